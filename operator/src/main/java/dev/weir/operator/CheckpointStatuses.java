package dev.weir.operator;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.CheckpointsStatus;
import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.CheckpointInfo;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@code status.checkpoints} from the store's listing, and whether checkpoints are failing. */
final class CheckpointStatuses {
    /** The Degraded reason when the store cannot be read or checkpoints stopped. */
    static final String CHECKPOINTS_FAILING = "CheckpointsFailing";
    /** Checkpoints older than this many intervals, while the job processes records, are failing. */
    static final int STALE_INTERVALS = 3;
    /** Savepoints shown in status, newest first. */
    static final int SHOWN_SAVEPOINTS = 10;
    static final String PENDING = "Pending";
    static final String DONE = "Done";

    private CheckpointStatuses() {
    }

    /**
     * Puts what the store holds into {@code next}: the fresh listing when there is one, else what the previous
     * status said; and the on-demand request of the job's annotation, done once a savepoint written after it is
     * listed.
     */
    static void apply(StreamJobStatus next, StreamJob job, Optional<StoreListing> listing, Instant now) {
        StreamJobStatus previous = job.getStatus();
        CheckpointsStatus carried = previous == null ? null : previous.checkpoints;
        CheckpointsStatus status = listing.map(CheckpointStatuses::of).orElse(carried);
        Optional<String> nonce = SavepointRequests.nonce(job);
        if (status == null && nonce.isEmpty()) {
            return;
        }
        if (status == null) {
            status = new CheckpointsStatus();
        } else if (status == carried) {
            status = copy(carried);
        }
        status.savepointRequest = request(nonce, carried == null ? null : carried.savepointRequest, listing, now);
        next.checkpoints = status;
    }

    private static CheckpointsStatus of(StoreListing listing) {
        CheckpointsStatus status = new CheckpointsStatus();
        status.location = listing.location();
        status.error = listing.error().orElse(null);
        List<CheckpointInfo> all = listing.checkpoints().orElse(List.of());
        status.latest = all.stream().filter(info -> !info.savepoint()).findFirst().map(CheckpointStatuses::stored)
                .orElse(null);
        status.savepoints = new ArrayList<>(all.stream().filter(CheckpointInfo::savepoint).limit(SHOWN_SAVEPOINTS)
                .map(CheckpointStatuses::stored).toList());
        return status;
    }

    private static CheckpointsStatus copy(CheckpointsStatus carried) {
        CheckpointsStatus status = new CheckpointsStatus();
        status.location = carried.location;
        status.error = carried.error;
        status.latest = carried.latest;
        status.savepoints = carried.savepoints;
        return status;
    }

    private static CheckpointsStatus.SavepointRequest request(Optional<String> nonce,
                                                              CheckpointsStatus.SavepointRequest previous,
                                                              Optional<StoreListing> listing, Instant now) {
        if (nonce.isEmpty()) {
            return null;
        }
        if (previous == null || !nonce.get().equals(previous.nonce)) {
            CheckpointsStatus.SavepointRequest request = new CheckpointsStatus.SavepointRequest();
            request.nonce = nonce.get();
            request.requestedAt = now.truncatedTo(ChronoUnit.MILLIS).toString();
            request.state = PENDING;
            return request;
        }
        if (DONE.equals(previous.state)) {
            return previous;
        }
        return listing.flatMap(l -> l.savepointSince(Instant.parse(previous.requestedAt))).map(savepoint -> {
            CheckpointsStatus.SavepointRequest done = new CheckpointsStatus.SavepointRequest();
            done.nonce = previous.nonce;
            done.requestedAt = previous.requestedAt;
            done.state = DONE;
            done.savepointId = savepoint.id();
            return done;
        }).orElse(previous);
    }

    /** Whether an on-demand savepoint is awaited: the store is then listed more often. */
    static boolean awaitingSavepoint(StreamJob job) {
        Optional<String> nonce = SavepointRequests.nonce(job);
        CheckpointsStatus.SavepointRequest last = job.getStatus() == null || job.getStatus().checkpoints == null
                ? null : job.getStatus().checkpoints.savepointRequest;
        return nonce.isPresent() && (last == null || !nonce.get().equals(last.nonce) || !DONE.equals(last.state));
    }

    /**
     * Why checkpoints are failing, if they are: the store could not be listed, or the newest checkpoint is older than
     * {@value #STALE_INTERVALS} intervals while pods have been ready that long and the job processes records (a job
     * with nothing to process changes no state, so writes no checkpoints).
     *
     * @param readySince when the Ready condition became True; empty while it is not
     */
    static Optional<String> failing(StreamJob job, StreamJobStatus next, Optional<Instant> readySince, Instant now) {
        CheckpointsStatus status = next.checkpoints;
        if (status == null || status.location == null) {
            return Optional.empty();
        }
        if (status.error != null) {
            return Optional.of("Cannot read the checkpoints at " + status.location + ": " + status.error
                    + "; check spec.checkpoints (location, s3, credentialsSecret) and the store's access rights");
        }
        Duration stale = Objects.requireNonNullElseGet(job.getSpec().checkpoints, CheckpointSpec::new)
                .intervalOrDefault().multipliedBy(STALE_INTERVALS);
        boolean processing = next.processingRate == null || next.processingRate > 0;
        boolean readyLongEnough = readySince.map(since -> !since.plus(stale).isAfter(now)).orElse(false);
        Optional<Instant> newest = newest(status);
        if (!processing || !readyLongEnough || newest.map(time -> time.plus(stale).isAfter(now)).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(newest.map(time -> "The newest checkpoint at " + status.location + " is from " + time)
                .orElse("No checkpoint at " + status.location) + ", more than " + STALE_INTERVALS
                + " intervals (" + stale + ") ago, while the pods process records; see the runtime pods' logs"
                + " and /q/health/group/checkpoints");
    }

    private static Optional<Instant> newest(CheckpointsStatus status) {
        return java.util.stream.Stream.concat(
                        Optional.ofNullable(status.latest).stream(), status.savepoints.stream())
                .map(stored -> Instant.parse(stored.time))
                .max(Instant::compareTo);
    }

    /** Degraded with {@value #CHECKPOINTS_FAILING} when checkpoints fail and no crash loop already degrades the job. */
    static void degradeIfFailing(StreamJob job, StreamJobStatus next, Instant now) {
        Optional<Instant> readySince = Conditions.find(next.conditions, Conditions.READY)
                .filter(ready -> "True".equals(ready.getStatus()) && ready.getLastTransitionTime() != null)
                .map(ready -> Instant.parse(ready.getLastTransitionTime()));
        Optional<String> why = failing(job, next, readySince, now);
        if (why.isEmpty()) {
            return;
        }
        List<Condition> previous = job.getStatus() == null ? List.of() : job.getStatus().conditions;
        Condition degraded = Conditions.keepTransitionTime(Conditions.of(Conditions.DEGRADED, true, CHECKPOINTS_FAILING,
                why.get(), job.getMetadata().getGeneration()), previous);
        next.conditions.replaceAll(condition -> Conditions.DEGRADED.equals(condition.getType())
                && !"True".equals(condition.getStatus()) ? degraded : condition);
    }

    private static CheckpointsStatus.StoredCheckpoint stored(CheckpointInfo info) {
        CheckpointsStatus.StoredCheckpoint stored = new CheckpointsStatus.StoredCheckpoint();
        stored.id = info.id();
        stored.taskId = info.taskId();
        stored.time = info.createdAt().truncatedTo(ChronoUnit.MILLIS).toString();
        stored.location = info.location().toString();
        stored.sizeBytes = info.totalBytes();
        return stored;
    }
}

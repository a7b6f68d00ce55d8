package dev.weir.operator.checkpoints;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.CheckpointsStatus;
import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@code status.checkpoints} from the store's listing, and whether checkpoints are failing. */
public final class CheckpointStatuses {
    /** The Degraded reason when the store cannot be read or checkpoints stopped. */
    public static final String CHECKPOINTS_FAILING = "CheckpointsFailing";
    /** Checkpoints older than this many intervals, while the job processes records, are failing. */
    public static final int STALE_INTERVALS = 3;
    /** Savepoints shown in status, newest first. */
    static final int SHOWN_SAVEPOINTS = 10;
    public static final String PENDING = "Pending";
    public static final String DONE = "Done";
    public static final String FAILED = "Failed";
    private static final String NOT_LISTED = "the store could not be listed since the request (status.checkpoints.error"
            + " says why)";

    private CheckpointStatuses() {
    }

    /**
     * Puts what the store holds into {@code next}: the fresh listing when there is one, else what the previous
     * status said; and the on-demand request as {@link #request} worked it out.
     */
    public static void apply(StreamJobStatus next, StreamJob job, Optional<StoreListing> listing,
                      CheckpointsStatus.SavepointRequest request) {
        StreamJobStatus previous = job.getStatus();
        CheckpointsStatus carried = previous == null ? null : previous.checkpoints;
        CheckpointsStatus status = listing.map(CheckpointStatuses::of).orElse(carried);
        if (status == null && request == null) {
            return;
        }
        if (status == null) {
            status = new CheckpointsStatus();
        } else if (status == carried) {
            status = copy(carried);
        }
        status.savepointRequest = request;
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

    /**
     * The on-demand request of the job's annotation: Pending when new; Done once every task the store knows has a
     * savepoint written after it ({@link TaskSavepoints}); Failed when that did not happen within
     * {@code spec.checkpoints.savepointTimeout}. Null without an annotation.
     */
    public static CheckpointsStatus.SavepointRequest request(StreamJob job, Optional<StoreListing> listing, Instant now) {
        Optional<String> nonce = SavepointRequests.nonce(job);
        if (nonce.isEmpty()) {
            return null;
        }
        CheckpointsStatus.SavepointRequest previous = job.getStatus() == null || job.getStatus().checkpoints == null
                ? null : job.getStatus().checkpoints.savepointRequest;
        if (previous == null || !nonce.get().equals(previous.nonce)) {
            CheckpointsStatus.SavepointRequest request = new CheckpointsStatus.SavepointRequest();
            request.nonce = nonce.get();
            request.requestedAt = now.truncatedTo(ChronoUnit.MILLIS).toString();
            request.state = PENDING;
            request.message = "Passed to the runtime pods; waiting for a savepoint of each task";
            return request;
        }
        if (!PENDING.equals(previous.state)) {
            return previous;
        }
        Instant requestedAt = Instant.parse(previous.requestedAt);
        Optional<TaskSavepoints> written = listing.flatMap(l -> l.savepointsSince(requestedAt));
        CheckpointsStatus.SavepointRequest next = new CheckpointsStatus.SavepointRequest();
        next.nonce = previous.nonce;
        next.requestedAt = previous.requestedAt;
        next.tasks = written.map(TaskSavepoints::progress).orElse(previous.tasks);
        if (written.map(TaskSavepoints::complete).orElse(false)) {
            next.state = DONE;
            next.savepointIds = written.get().savepointIds();
            next.message = "Savepoints of all " + written.get().known() + " tasks are at " + listing.get().location();
            return next;
        }
        Duration timeout = checkpoints(job).savepointTimeoutOrDefault();
        if (!now.isBefore(requestedAt.plus(timeout))) {
            next.state = FAILED;
            String why = written.map(CheckpointStatuses::awaited)
                    .orElse(previous.tasks == null ? NOT_LISTED : previous.message);
            next.message = "Not every task had a savepoint " + timeout + " after the request"
                    + " (spec.checkpoints.savepointTimeout): " + why + ". Request again with a new value of the"
                    + " annotation " + SavepointRequests.ANNOTATION + ", and check the runtime pods' logs and"
                    + " /q/health/group/checkpoints";
            return next;
        }
        next.state = PENDING;
        next.message = written.map(CheckpointStatuses::awaited).orElse(previous.message);
        return next;
    }

    private static String awaited(TaskSavepoints written) {
        if (written.known() == 0) {
            return "the store lists no checkpoint or savepoint of any task (a job without a window has no state to"
                    + " save)";
        }
        return "waiting for a savepoint of task(s) " + written.describeMissing() + "; " + written.progress()
                + " tasks have one";
    }

    /** The nonce the pods should see: the request's while it is pending, so a pod that starts then serves it too. */
    public static Optional<String> pendingNonce(CheckpointsStatus.SavepointRequest request) {
        return request != null && PENDING.equals(request.state) ? Optional.of(request.nonce) : Optional.empty();
    }

    /** Whether an on-demand savepoint is awaited: the store is then listed more often. */
    public static boolean awaitingSavepoint(StreamJob job) {
        Optional<String> nonce = SavepointRequests.nonce(job);
        CheckpointsStatus.SavepointRequest last = job.getStatus() == null || job.getStatus().checkpoints == null
                ? null : job.getStatus().checkpoints.savepointRequest;
        return nonce.isPresent() && (last == null || !nonce.get().equals(last.nonce) || PENDING.equals(last.state));
    }

    static CheckpointSpec checkpoints(StreamJob job) {
        return Objects.requireNonNullElseGet(job.getSpec().checkpoints, CheckpointSpec::new);
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
        Duration stale = checkpoints(job).intervalOrDefault().multipliedBy(STALE_INTERVALS);
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
    public static void degradeIfFailing(StreamJob job, StreamJobStatus next, Instant now) {
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

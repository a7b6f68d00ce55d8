package dev.weir.operator;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointInfo;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Holds a deleted job until its pods have stopped and their savepoint is listed in the store, or until
 * {@code spec.checkpoints.savepointTimeout} has passed since the deletion (then a Warning event): never a stuck job.
 */
final class SavepointFinalizer {
    /** The finalizer on every StreamJob. */
    static final String NAME = "weir.dev/savepoint";
    static final String SAVEPOINT_WRITTEN = "SavepointWritten";
    static final String SAVEPOINT_TIMEOUT = "SavepointTimeout";
    private static final String STOP_PODS = "{\"spec\":{\"replicas\":0}}";

    private final CheckpointListings listings;
    private final Clock clock;

    SavepointFinalizer(CheckpointListings listings, Clock clock) {
        this.listings = listings;
        this.clock = clock;
    }

    DeleteControl cleanup(StreamJob job, Context<StreamJob> context) {
        // no ready pod when the job was deleted (suspended, idle, never ready): no savepoint will come
        boolean expectSavepoint = listings.hasStore(job) && job.getStatus() != null
                && Objects.requireNonNullElse(job.getStatus().readyReplicas, 0) > 0;
        if (!expectSavepoint) {
            return release(job);
        }
        Instant deleted = Instant.parse(job.getMetadata().getDeletionTimestamp());
        Duration timeout = Objects.requireNonNullElseGet(job.getSpec().checkpoints, CheckpointSpec::new)
                .savepointTimeoutOrDefault();
        stopPods(job, context);
        boolean podsGone = context.getSecondaryResources(Pod.class).isEmpty();
        Optional<CheckpointInfo> savepoint = podsGone
                ? listings.listIfDue(job, context.getClient(), true).flatMap(listing -> listing.savepointSince(deleted))
                : Optional.empty();
        if (savepoint.isPresent()) {
            JobEvents.record(context.getClient(), job, JobEvents.NORMAL, SAVEPOINT_WRITTEN, "Savepoint "
                    + savepoint.get().id() + " of task " + savepoint.get().taskId() + " is at "
                    + savepoint.get().location() + "; the job is deleted");
            return release(job);
        }
        if (!clock.instant().isBefore(deleted.plus(timeout))) {
            JobEvents.record(context.getClient(), job, JobEvents.WARNING, SAVEPOINT_TIMEOUT, "No savepoint listed"
                    + (podsGone ? "" : " and runtime pods still running") + " " + timeout + " after the deletion"
                    + " (spec.checkpoints.savepointTimeout); the job is deleted without one, its last checkpoints"
                    + " stay in the store");
            return release(job);
        }
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(CheckpointListings.URGENT_INTERVAL.toMillis());
    }

    private DeleteControl release(StreamJob job) {
        listings.forget(job);
        return DeleteControl.defaultDelete();
    }

    /**
     * The finalizer keeps the StatefulSet (the garbage collector deletes it after the job), so the operator scales it
     * to zero: the pods get SIGTERM and write their savepoint as they shut down.
     */
    private static void stopPods(StreamJob job, Context<StreamJob> context) {
        context.getSecondaryResource(StatefulSet.class)
                .filter(set -> set.getMetadata().getDeletionTimestamp() == null
                        && !Integer.valueOf(0).equals(set.getSpec().getReplicas()))
                .ifPresent(set -> context.getClient().apps().statefulSets()
                        .inNamespace(set.getMetadata().getNamespace()).withName(set.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), STOP_PODS));
    }
}

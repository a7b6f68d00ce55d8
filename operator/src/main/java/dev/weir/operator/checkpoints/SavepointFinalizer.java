package dev.weir.operator.checkpoints;

import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import dev.weir.operator.cleanup.KinesisLeftovers;
import dev.weir.operator.status.JobEvents;
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
 * Holds a deleted job until its pods have stopped (each writes the savepoints of its tasks as it shuts down, so no
 * more come after) and the store has been listed since, then reports per task whether a savepoint was written after
 * the deletion. A Kinesis job's lease tables and shuffle stream are deleted once its pods are gone
 * ({@link KinesisLeftovers}). Gives up {@code spec.checkpoints.savepointTimeout} after the deletion (Warning event):
 * never a stuck job.
 */
public final class SavepointFinalizer {
    /** The finalizer on every StreamJob. */
    public static final String NAME = "weir.dev/savepoint";
    public static final String SAVEPOINT_WRITTEN = "SavepointWritten";
    public static final String SAVEPOINT_INCOMPLETE = "SavepointIncomplete";
    static final String SAVEPOINT_NOT_NEEDED = "SavepointNotNeeded";
    public static final String SAVEPOINT_TIMEOUT = "SavepointTimeout";
    public static final String KINESIS_RESOURCES_DELETED = "KinesisResourcesDeleted";
    public static final String KINESIS_RESOURCES_LEFT = "KinesisResourcesLeft";
    private static final String STOP_PODS = "{\"spec\":{\"replicas\":0}}";

    private final CheckpointListings listings;
    private final KinesisLeftovers leftovers;
    private final Clock clock;

    public SavepointFinalizer(CheckpointListings listings, KinesisLeftovers leftovers, Clock clock) {
        this.listings = listings;
        this.leftovers = leftovers;
        this.clock = clock;
    }

    public DeleteControl cleanup(StreamJob job, Context<StreamJob> context) {
        // no ready pod when the job was deleted (suspended, idle, never ready): no savepoint will come
        boolean expectSavepoint = listings.hasStore(job) && job.getStatus() != null
                && Objects.requireNonNullElse(job.getStatus().readyReplicas, 0) > 0;
        if (!expectSavepoint && !leftovers.concern(job)) {
            return release(job);
        }
        Instant deleted = Instant.parse(job.getMetadata().getDeletionTimestamp());
        Duration timeout = CheckpointStatuses.checkpoints(job).savepointTimeoutOrDefault();
        stopPods(job, context);
        boolean podsGone = context.getSecondaryResources(Pod.class).isEmpty();
        boolean timedOut = !clock.instant().isBefore(deleted.plus(timeout));
        if (!expectSavepoint) {
            return podsGone ? deleteLeftovers(job, context) : timedOut ? leaveLeftovers(job, context, timeout)
                    : waitForPods();
        }
        // only a listing taken after the pods are gone holds every savepoint they wrote
        Optional<StoreListing> listing = podsGone ? listings.listIfDue(job, context.getClient(), true)
                : Optional.empty();
        Optional<TaskSavepoints> written = listing.flatMap(l -> l.savepointsSince(deleted));
        if (written.isPresent()) {
            report(job, context, listing.get().location(), written.get());
            return deleteLeftovers(job, context);
        }
        if (timedOut) {
            JobEvents.record(context.getClient(), job, JobEvents.WARNING, SAVEPOINT_TIMEOUT, (podsGone
                    ? "The checkpoint store could not be listed" : "Runtime pods were still running") + " " + timeout
                    + " after the deletion (spec.checkpoints.savepointTimeout); the job is deleted without knowing"
                    + " whether each task has a savepoint, its last checkpoints stay in the store");
            return podsGone ? deleteLeftovers(job, context) : leaveLeftovers(job, context, timeout);
        }
        return waitForPods();
    }

    private static DeleteControl waitForPods() {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(CheckpointListings.URGENT_INTERVAL.toMillis());
    }

    /** The pods are gone: what they made in AWS goes too, or a Warning event lists what is left and why. */
    private DeleteControl deleteLeftovers(StreamJob job, Context<StreamJob> context) {
        if (leftovers.concern(job)) {
            KinesisLeftovers.Outcome outcome = leftovers.delete(job);
            if (outcome.complete()) {
                JobEvents.record(context.getClient(), job, JobEvents.NORMAL, KINESIS_RESOURCES_DELETED,
                        "Deleted what the job's pods made in AWS: " + (outcome.deleted().isEmpty() ? "nothing"
                                : String.join(", ", outcome.deleted()))
                                + (outcome.absent().isEmpty() ? "" : "; already absent: "
                                + String.join(", ", outcome.absent())));
            } else {
                JobEvents.record(context.getClient(), job, JobEvents.WARNING, KINESIS_RESOURCES_LEFT,
                        "Could not delete, with " + outcome.identity() + " identity: "
                                + String.join("; ", outcome.failed()) + ". Delete them by hand; they are not used"
                                + " again unless a job of the same name and namespace is created"
                                + (outcome.deleted().isEmpty() ? "" : ". Deleted: "
                                + String.join(", ", outcome.deleted())));
            }
        }
        return release(job);
    }

    /** Pods still ran when the deletion timed out: deleting their tables under them would only see them made again. */
    private DeleteControl leaveLeftovers(StreamJob job, Context<StreamJob> context, Duration timeout) {
        if (leftovers.concern(job)) {
            JobEvents.record(context.getClient(), job, JobEvents.WARNING, KINESIS_RESOURCES_LEFT, "Runtime pods were"
                    + " still running " + timeout + " after the deletion, so what they made in AWS is left: the"
                    + " DynamoDB tables " + String.join(", ", KinesisLayout.leaseTables(job)) + " (those that exist)"
                    + (KinesisLeftovers.hadShuffle(job) ? " and the Kinesis stream "
                    + KinesisLayout.shuffleStream(job) : "")
                    + ". Delete them by hand once the pods are gone");
        }
        return release(job);
    }

    /** No pod is left, so waiting longer cannot bring a missing savepoint: the event says what a restart restores. */
    private static void report(StreamJob job, Context<StreamJob> context, String location, TaskSavepoints written) {
        if (written.known() == 0) {
            JobEvents.record(context.getClient(), job, JobEvents.NORMAL, SAVEPOINT_NOT_NEEDED, "The store at "
                    + location + " lists no checkpoint or savepoint of any task: the job had no state to save; the"
                    + " job is deleted");
        } else if (written.complete()) {
            JobEvents.record(context.getClient(), job, JobEvents.NORMAL, SAVEPOINT_WRITTEN, "Savepoints of all "
                    + written.known() + " tasks are at " + location + ": " + written.describeSaved()
                    + "; the job is deleted");
        } else {
            JobEvents.record(context.getClient(), job, JobEvents.WARNING, SAVEPOINT_INCOMPLETE, written.progress()
                    + " tasks have a savepoint at " + location + " written after the deletion"
                    + (written.saved().isEmpty() ? "" : " (" + written.describeSaved() + ")")
                    + "; without one: " + written.describeMissing() + ". A restart from this store restores"
                    + " those tasks from that newest checkpoint plus their changelog; the job is deleted");
        }
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
                // on the cached object: patching by name would GET it first, a verb the chart's RBAC does not grant
                .ifPresent(set -> context.getClient().apps().statefulSets().resource(set)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), STOP_PODS));
    }
}

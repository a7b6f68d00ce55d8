package dev.weir.operator.status;

import dev.weir.api.CheckpointsStatus;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.checkpoints.CheckpointStatuses;
import dev.weir.operator.checkpoints.StoreListing;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.observe.Autoscaling;
import dev.weir.operator.observe.Observation;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The status a reconcile of a deployed job reports, built once from all it found: the workload and what its
 * StatefulSet and pods show ({@link JobStatuses#deployed}), the autoscaler's poll ({@link ScalingStatus}), the
 * store's listing and any on-demand savepoint request ({@link CheckpointStatuses}).
 *
 * <p>The parts depend on each other: whether checkpoints are failing reads the processing rate of the poll and the
 * Ready condition's transition time, and a crash loop outranks failing checkpoints as the Degraded reason. The
 * reconciler gives the parts in any order; {@link #build()} applies them in the one that holds.
 */
public final class JobStatusBuilder {
    private final StreamJob job;
    private final Workload workload;
    private final Observation observed;
    private final Instant now;
    private Optional<Autoscaling.Poll> poll = Optional.empty();
    private Optional<StoreListing> listing = Optional.empty();
    private CheckpointsStatus.SavepointRequest savepointRequest;

    /**
     * @param observed the StatefulSet and pods after the workload was applied
     * @param now      the time of the reconcile, for the scaling decision's and the checkpoints' ages
     */
    public JobStatusBuilder(StreamJob job, Workload workload, Observation observed, Instant now) {
        this.job = job;
        this.workload = workload;
        this.observed = observed;
        this.now = now;
    }

    /** The autoscaler's poll of this reconcile, if it polled: lag, rates and the decision. */
    public JobStatusBuilder scaling(Optional<Autoscaling.Poll> poll) {
        this.poll = Objects.requireNonNull(poll);
        return this;
    }

    /** The store's listing, when one was due, and the on-demand savepoint request as it stands. */
    public JobStatusBuilder checkpoints(Optional<StoreListing> listing, CheckpointsStatus.SavepointRequest request) {
        this.listing = Objects.requireNonNull(listing);
        this.savepointRequest = request;
        return this;
    }

    public StreamJobStatus build() {
        // phase, Ready, Progressing, and Degraded from crash loops; scaling and checkpoints carried from before
        StreamJobStatus next = JobStatuses.deployed(job, workload, observed);
        // the processing rate, which the checkpoints' staleness below reads
        poll.ifPresent(polled -> ScalingStatus.apply(next, polled, now));
        CheckpointStatuses.apply(next, job, listing, savepointRequest);
        // last: it reads the Ready condition, the rate and the checkpoints, and yields to a crash loop
        CheckpointStatuses.degradeIfFailing(job, next, now);
        return next;
    }
}

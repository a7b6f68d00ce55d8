package dev.weir.operator.status;

import dev.weir.api.CheckpointsStatus;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.checkpoints.CheckpointStatuses;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.observe.Observation;

/**
 * The status a reconcile of a deployed job reports, built once from all it found: the workload and what its
 * StatefulSet and pods show ({@link JobStatuses#deployed}), the autoscaler's poll ({@link ScalingStatus}), the
 * store's listing and any on-demand savepoint request ({@link CheckpointStatuses}).
 *
 * <p>The parts depend on each other: whether checkpoints are failing reads the processing rate of the poll and the
 * Ready condition's transition time, and a crash loop outranks failing checkpoints as the Degraded reason. The
 * builder takes them together, in one {@link Observation}, and {@link #build()} applies them in the one order that
 * holds.
 */
public final class JobStatusBuilder {
    private final StreamJob job;
    private final Workload workload;
    private final Observation observed;
    private final CheckpointsStatus.SavepointRequest savepointRequest;

    /**
     * @param observed         the reconcile's observation, with the StatefulSet as the workload was applied
     * @param savepointRequest the on-demand savepoint request as it stands ({@link CheckpointStatuses#request}); null
     *                         without one
     */
    public JobStatusBuilder(StreamJob job, Workload workload, Observation observed,
                            CheckpointsStatus.SavepointRequest savepointRequest) {
        this.job = job;
        this.workload = workload;
        this.observed = observed;
        this.savepointRequest = savepointRequest;
    }

    public StreamJobStatus build() {
        // phase, Ready, Progressing, and Degraded from crash loops; scaling and checkpoints carried from before
        StreamJobStatus next = JobStatuses.deployed(job, workload, observed.workload());
        // the processing rate, which the checkpoints' staleness below reads
        observed.poll().ifPresent(polled -> ScalingStatus.apply(next, polled, observed.at()));
        CheckpointStatuses.apply(next, job, observed.listing(), savepointRequest);
        // last: it reads the Ready condition, the rate and the checkpoints, and yields to a crash loop
        CheckpointStatuses.degradeIfFailing(job, next, observed.at());
        return next;
    }
}

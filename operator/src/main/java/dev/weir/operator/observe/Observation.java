package dev.weir.operator.observe;

import dev.weir.operator.checkpoints.StoreListing;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Instant;
import java.util.Optional;

/**
 * All one reconcile of a valid job knows of the world, gathered once ({@link JobObserver}) before anything is planned:
 * the job's StatefulSet and pods, the lag poll, and the checkpoint store's listing when one was due. The plan, the
 * dependents and the status read this record rather than the caches, the brokers or the store, so they agree on one
 * moment; the only later look is at the StatefulSet the dependents applied ({@link #afterApply}).
 *
 * @param workload        the StatefulSet and the crash-looping pods, from the informers' caches
 * @param currentReplicas the pods asked for when the reconcile began ({@code Replicas.current})
 * @param poll            the autoscaler's poll, fresh or reused; empty when no probe reads the job's source or the
 *                        brokers did not answer
 * @param listing         a new listing of the store, when one was due
 * @param at              when the reconcile observed: the time of the scaling decision and of checkpoints' ages
 */
public record Observation(WorkloadObservation workload, int currentReplicas, Optional<Autoscaling.Poll> poll,
                          Optional<StoreListing> listing, Instant at) {

    /**
     * This observation with the StatefulSet as the dependents left it (its new generation, when the reconcile changed
     * it, so the status does not call an old rollout complete); unchanged when they returned none.
     */
    public Observation afterApply(Optional<StatefulSet> applied) {
        return applied.isEmpty() ? this
                : new Observation(workload.withStatefulSet(applied), currentReplicas, poll, listing, at);
    }
}

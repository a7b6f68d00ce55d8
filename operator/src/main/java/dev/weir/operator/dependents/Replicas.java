package dev.weir.operator.dependents;

import dev.weir.api.ScalingSpec;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.observe.Autoscaling;
import dev.weir.operator.status.JobStatuses;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Objects;
import java.util.Optional;

/**
 * How many runtime pods a job runs: none while suspended; the autoscaler's decision when spec.scaling lets it size
 * the job (maxReplicas > minReplicas, or minReplicas 0), else spec.replicas, which the scale subresource sets.
 */
public final class Replicas {
    private Replicas() {
    }

    public static boolean autoscaled(StreamJobSpec spec) {
        return Objects.requireNonNullElseGet(spec.scaling, ScalingSpec::new).autoscales();
    }

    /** Pods asked for now: the StatefulSet's count, or where a new or resumed job starts. */
    public static int current(StreamJob job, Optional<StatefulSet> statefulSet) {
        Integer asked = statefulSet.map(s -> s.getSpec().getReplicas()).orElse(null);
        boolean stopped = job.getStatus() == null || JobStatuses.SUSPENDED.equals(job.getStatus().phase);
        return asked == null || asked == 0 && stopped ? initial(job.getSpec()) : asked;
    }

    /** Pods to run after this reconcile; with no decision (the brokers did not answer) an autoscaled job keeps its. */
    static int planned(StreamJob job, int current, Optional<Autoscaling.Poll> poll) {
        StreamJobSpec spec = job.getSpec();
        if (Boolean.TRUE.equals(spec.suspend)) {
            return 0;
        }
        if (!autoscaled(spec)) {
            return spec.replicasOrDefault();
        }
        return poll.flatMap(Autoscaling.Poll::decision).map(Decision::replicas).orElse(current);
    }

    /** A new job starts with one pod at least, so a job reading from earliest gets going before any lag is read. */
    private static int initial(StreamJobSpec spec) {
        return autoscaled(spec) ? Math.max(spec.scaling.minReplicasOrDefault(), 1) : spec.replicasOrDefault();
    }
}

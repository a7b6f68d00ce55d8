package dev.weir.operator.autoscaler;

import dev.weir.api.ScalingSpec;
import java.time.Duration;

/**
 * The spec's scaling block with its defaults applied.
 *
 * @param minReplicas     fewest pods; 0 lets an idle job stop
 * @param maxReplicas     most pods
 * @param maxLagSeconds   the job must catch up within this many seconds
 * @param scaleDownWindow how long a lower recommendation must hold before scaling down
 * @param idleTimeout     how long without lag and input before an idle job stops (minReplicas 0)
 */
public record ScalingPolicy(int minReplicas, int maxReplicas, int maxLagSeconds, Duration scaleDownWindow,
                            Duration idleTimeout) {

    public static ScalingPolicy of(ScalingSpec spec) {
        ScalingSpec scaling = spec == null ? new ScalingSpec() : spec;
        return new ScalingPolicy(scaling.minReplicasOrDefault(), scaling.maxReplicasOrDefault(),
                scaling.maxLagSecondsOrDefault(), scaling.scaleDownWindowOrDefault(), scaling.idleTimeoutOrDefault());
    }
}

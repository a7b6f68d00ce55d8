package dev.weir.operator.autoscaler;

import java.time.Duration;

/**
 * What the autoscaler assumes beyond the spec.
 *
 * @param initialRecordsPerSecondPerReplica a pod's processing rate until one is measured
 * @param settleTime                        after a change, how long pods take to start and rebalance; no capacity is
 *                                          measured before
 * @param targetUtilization                 the share of the pods' capacity the autoscaler plans to use when it scales
 *                                          up
 * @param scaleDownUtilization              the share it must stay under after a scale-down: lower, so that the lag of
 *                                          the rebalance a scale-down causes does not call the pod straight back
 */
public record Tuning(double initialRecordsPerSecondPerReplica, Duration settleTime, double targetUtilization,
                     double scaleDownUtilization) {
    public static final double DEFAULT_INITIAL_RECORDS_PER_SECOND_PER_REPLICA = 1000;
    public static final Duration DEFAULT_SETTLE_TIME = Duration.ofSeconds(60);
    public static final double DEFAULT_TARGET_UTILIZATION = 0.9;
    public static final double DEFAULT_SCALE_DOWN_UTILIZATION = 0.75;

    public static Tuning defaults() {
        return new Tuning(DEFAULT_INITIAL_RECORDS_PER_SECOND_PER_REPLICA, DEFAULT_SETTLE_TIME,
                DEFAULT_TARGET_UTILIZATION, DEFAULT_SCALE_DOWN_UTILIZATION);
    }
}

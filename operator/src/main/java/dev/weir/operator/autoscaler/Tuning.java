package dev.weir.operator.autoscaler;

import java.time.Duration;

/**
 * What the autoscaler assumes beyond the spec.
 *
 * @param initialRecordsPerSecondPerReplica a pod's processing rate until one is measured
 * @param settleTime                        after a change, how long pods take to start and the smoothed rates to
 *                                          cover them only; no capacity is measured before
 * @param targetUtilization                 the share of the measured capacity the autoscaler plans to use, so that
 *                                          noise around a whole number of pods does not flip the count
 */
public record Tuning(double initialRecordsPerSecondPerReplica, Duration settleTime, double targetUtilization) {
    public static final double DEFAULT_INITIAL_RECORDS_PER_SECOND_PER_REPLICA = 1000;
    public static final Duration DEFAULT_SETTLE_TIME = Duration.ofSeconds(90);
    public static final double DEFAULT_TARGET_UTILIZATION = 0.9;

    public static Tuning defaults() {
        return new Tuning(DEFAULT_INITIAL_RECORDS_PER_SECOND_PER_REPLICA, DEFAULT_SETTLE_TIME,
                DEFAULT_TARGET_UTILIZATION);
    }
}

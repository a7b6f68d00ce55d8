package dev.weir.operator.autoscaler.sim;

/**
 * A simulated job.
 *
 * @param recordsPerSecondPerReplica what one ready pod processes
 * @param startupSeconds             from asking for a pod to its processing: JVM start, Kafka Streams join
 * @param rebalanceSeconds           processing pauses this long whenever the set of ready pods changes
 * @param partitions                 source partitions: pods beyond these idle
 * @param maxLagSeconds              the target every policy is measured against
 */
record JobModel(double recordsPerSecondPerReplica, long startupSeconds, long rebalanceSeconds, int partitions,
                int maxLagSeconds) {
    /** A JVM job doing 1500 records/s per pod, 45 s to start, 12 partitions, the default 30 s target. */
    static JobModel typical() {
        return new JobModel(1500, 45, 5, 12, 30);
    }
}

package dev.weir.operator.autoscaler.sim;

/**
 * A simulated job reading a Kinesis stream.
 *
 * @param recordsPerSecondPerReplica what one ready pod processes, over all the shards it holds
 * @param startupSeconds             from asking for a pod to its processing: JVM start, the first lease taken
 * @param rebalanceSeconds           processing pauses this long whenever the set of ready pods changes (leases move)
 * @param shardReadRecordsPerSecond  the most one shard can be read at (Kinesis: 2 MB/s; 2000 records of 1 KB)
 * @param maxLagSeconds              the target every policy is measured against
 */
record KinesisJobModel(double recordsPerSecondPerReplica, long startupSeconds, long rebalanceSeconds,
                       double shardReadRecordsPerSecond, int maxLagSeconds) {
    /** The Kafka model's pod (1500 records/s, 45 s to start), lease moves pausing 10 s, 1 KB records, 30 s target. */
    static KinesisJobModel typical() {
        return new KinesisJobModel(1500, 45, 10, 2000, 30);
    }
}

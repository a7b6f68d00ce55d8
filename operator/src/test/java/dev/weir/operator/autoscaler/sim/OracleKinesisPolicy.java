package dev.weir.operator.autoscaler.sim;

/**
 * Knows the input and the resharding to come: asks a start-up (and rebalance) ahead for the fewest pods, never more
 * than the open shards, whose busiest pod (⌈shards / pods⌉ shards) keeps up with the highest per-shard input until
 * they are ready; one more while a backlog beyond the second in flight drains (a rebalance's, or parents read to
 * their end after a split); none when nothing arrives.
 */
final class OracleKinesisPolicy implements KinesisPolicy {
    private final KinesisJobModel job;
    private final KinesisProfile profile;
    private final double[] input;

    OracleKinesisPolicy(KinesisJobModel job, KinesisProfile profile, double[] input) {
        this.job = job;
        this.profile = profile;
        this.input = input;
    }

    @Override
    public String name() {
        return "Oracle";
    }

    @Override
    public int replicas(long second, Shards shards, int current) {
        long until = Math.min(input.length - 1, second + job.startupSeconds() + job.rebalanceSeconds());
        int needed = 0;
        for (long s = second; s <= until; s++) {
            int open = profile.openShards(Math.max(0, s - Simulation.WARM_UP));
            double perShard = Math.min(input[(int) s] / open, job.shardReadRecordsPerSecond());
            needed = Math.max(needed, fewest(open, perShard));
        }
        boolean backlog = shards.read().stream().anyMatch(shard -> shard.lagMillis() > 2000);
        if (backlog) {
            needed = Math.max(needed, 1) + 1;
        }
        return Math.min(needed, shards.open());
    }

    /** The fewest pods whose busiest one keeps up with {@code open} shards each bringing {@code perShard}. */
    private int fewest(int open, double perShard) {
        if (perShard <= 0) {
            return 0;
        }
        for (int pods = 1; pods < open; pods++) {
            if (Math.ceil(open / (double) pods) * perShard <= job.recordsPerSecondPerReplica()) {
                return pods;
            }
        }
        return open;
    }
}

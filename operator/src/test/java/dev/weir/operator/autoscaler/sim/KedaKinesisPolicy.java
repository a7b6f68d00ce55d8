package dev.weir.operator.autoscaler.sim;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * KEDA's AWS Kinesis stream scaler driving an HPA, with its defaults: the metric is the stream's open shard count
 * (DescribeStreamSummary), the target shardCount 2 per pod, activationShardCount 0 — a stream always has an open
 * shard, so the job never goes to zero, and nothing about lag or input reaches the decision. KEDA polls every 30 s;
 * the HPA sizes at ⌈shards / 2⌉ with its 10 % tolerance, up by at most max(100 %, 4 pods) at a time, down to the
 * highest recommendation of the last 300 s.
 */
final class KedaKinesisPolicy implements KinesisPolicy {
    static final long POLL_SECONDS = 30;
    static final long STABILIZATION_SECONDS = 300;
    static final double TOLERANCE = 0.1;
    static final int SHARDS_PER_POD = 2;

    private final Deque<long[]> recommendations = new ArrayDeque<>();

    @Override
    public String name() {
        return "KEDA-style";
    }

    @Override
    public int replicas(long second, Shards shards, int current) {
        if (second % POLL_SECONDS != 0) {
            return current;
        }
        if (current == 0) {
            // activation: open shards > activationShardCount 0
            return shards.open() > 0 ? 1 : 0;
        }
        double ratio = shards.open() / (double) (current * SHARDS_PER_POD);
        int wanted = Math.abs(ratio - 1) <= TOLERANCE ? current
                : (int) Math.ceil(shards.open() / (double) SHARDS_PER_POD);
        wanted = Math.max(1, wanted);
        recommendations.addLast(new long[] {second, wanted});
        while (recommendations.getFirst()[0] < second - STABILIZATION_SECONDS) {
            recommendations.removeFirst();
        }
        if (wanted > current) {
            return Math.min(wanted, Math.max(2 * current, current + 4));
        }
        return (int) recommendations.stream().mapToLong(r -> r[1]).max().orElse(wanted);
    }
}

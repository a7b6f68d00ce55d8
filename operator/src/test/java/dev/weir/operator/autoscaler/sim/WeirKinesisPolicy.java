package dev.weir.operator.autoscaler.sim;

import dev.weir.api.ScalingSpec;
import dev.weir.operator.autoscaler.Autoscaler;
import dev.weir.operator.autoscaler.ScalingPolicy;
import dev.weir.operator.autoscaler.Tuning;
import dev.weir.operator.lag.LagTracker;
import dev.weir.operator.lag.ShardLagReadings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Weir's autoscaler on a Kinesis job as the operator runs it: the shards seen as the Kinesis lag probe sees them, the
 * probe's readings ({@link ShardLagReadings}) smoothed by the real tracker, the real decision, at the spec's
 * pollInterval, with the spec's defaults but minReplicas 0 and maxReplicas 16 (the open shards bound it first).
 */
final class WeirKinesisPolicy implements KinesisPolicy {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private final long pollSeconds;
    private final Autoscaler autoscaler;
    private final LagTracker tracker;
    private final ShardLagReadings readings = new ShardLagReadings();
    private final Map<Integer, Double> checkpoints = new HashMap<>();

    WeirKinesisPolicy(KinesisJobModel job) {
        ScalingSpec spec = new ScalingSpec();
        spec.minReplicas = 0;
        spec.maxReplicas = 16;
        spec.maxLagSeconds = job.maxLagSeconds();
        this.pollSeconds = spec.pollIntervalOrDefault().toSeconds();
        this.autoscaler = new Autoscaler(ScalingPolicy.of(spec), Tuning.defaults());
        this.tracker = LagTracker.forPollInterval(Duration.ofSeconds(pollSeconds));
    }

    @Override
    public String name() {
        return "Weir";
    }

    @Override
    public int replicas(long second, Shards shards, int current) {
        if (second % pollSeconds != 0) {
            return current;
        }
        int withInput = 0;
        long furthest = 0;
        Map<Integer, Double> seen = new HashMap<>();
        for (Seen shard : shards.read()) {
            Double before = checkpoints.get(shard.id());
            boolean moved = before != null && !Objects.equals(before, shard.checkpoint());
            withInput += shard.lagMillis() > 0 || moved ? 1 : 0;
            furthest = Math.max(furthest, shard.lagMillis());
            seen.put(shard.id(), shard.checkpoint());
        }
        checkpoints.clear();
        checkpoints.putAll(seen);
        return autoscaler.decide(tracker.observe(readings.reading(EPOCH.plusSeconds(second), shards.open(), withInput,
                furthest)), current).replicas();
    }
}

package dev.weir.operator.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The decision on Kinesis loads: shard-milliseconds of stream, whole shards per pod, reshards, lag in seconds. */
class KinesisDecisionTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ScalingPolicy POLICY = new ScalingPolicy(0, 16, 30, Duration.ofSeconds(120),
            Duration.ofSeconds(300));

    /** A pod keeps up with {@code shardsPerPod} shards until measured; plan for full use. */
    private static Autoscaler autoscaler(double shardsPerPod) {
        return new Autoscaler(POLICY, new Tuning(1000 * shardsPerPod, Duration.ofSeconds(60), 1.0, 1.0));
    }

    /** {@code withInput} shards of {@code open} bringing input, the furthest {@code behindMillis} behind. */
    private static Load load(long second, int open, int withInput, long behindMillis) {
        return new Load(T0.plusSeconds(second), withInput * behindMillis, 1000.0 * withInput, 1000.0 * withInput,
                1000.0 * withInput, open, LagUnit.SHARD_MILLISECONDS, Optional.of(Duration.ofMillis(behindMillis)));
    }

    @Test
    void podsHoldWholeShards() {
        // 8 shards, a pod keeps up with 1.75: 8 / 1.75 = 4.6 pods would do in total, but a pod holds 1 or 2 whole
        // shards and 2 are more than it keeps up with: 8 pods
        Decision decision = autoscaler(1.75).decide(load(0, 8, 8, 0), 4);
        assertEquals(8, decision.replicas());
        // a pod keeping up with 2.5 shards holds 2: 4 pods
        assertEquals(4, autoscaler(2.5).decide(load(0, 8, 8, 0), 1).replicas());
    }

    @Test
    void neverMorePodsThanOpenShardsAndSaysSoInSeconds() {
        Decision decision = autoscaler(1).decide(load(0, 4, 4, 120_000), 1);
        assertEquals(4, decision.replicas());
        assertEquals(Reason.CappedByPartitions, decision.reason());
        assertTrue(decision.message().contains("the source has 4 open shards"), decision.message());
        assertTrue(decision.message().contains("the furthest shard 120.0 s behind, 4.0 shards with input"),
                decision.message());
    }

    @Test
    void aSplitDoublesTheShardsAPodKeepsUpWith() {
        Autoscaler autoscaler = autoscaler(2);
        assertEquals(2, autoscaler.decide(load(0, 4, 4, 0), 2).replicas());
        // the same records over 8 shards: each brings half, a pod keeps up with 4 of them
        Decision afterSplit = autoscaler.decide(load(15, 8, 8, 0), 2);
        assertEquals(2, afterSplit.replicas(), afterSplit.message());
        assertEquals(4000, autoscaler.recordsPerSecondPerReplica(), 1e-9);
    }

    @Test
    void oneRecordWakesAJobAtZeroPods() {
        Decision decision = autoscaler(1).decide(load(0, 4, 1, 1), 0);
        // a shard's whole input for a pod keeping up with 1, plus its backlog: just over 1, so 2
        assertEquals(2, decision.replicas());
        assertEquals(Reason.WakeUp, decision.reason());
    }
}

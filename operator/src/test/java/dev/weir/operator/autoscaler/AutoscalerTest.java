package dev.weir.operator.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every rule of the decision, with simulated time. */
class AutoscalerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ScalingPolicy POLICY = new ScalingPolicy(0, 10, 30, Duration.ofSeconds(120),
            Duration.ofSeconds(300));
    /** 100 records/s per pod until measured; capacity measured 60s after a change; plan for full use. */
    private static final Tuning TUNING = new Tuning(100, Duration.ofSeconds(60), 1.0, 1.0);
    private static final int PARTITIONS = 8;

    private final Autoscaler autoscaler = new Autoscaler(POLICY, TUNING);

    private static Load load(long second, long lag, double input, double processing) {
        return new Load(T0.plusSeconds(second), lag, input, processing, processing, PARTITIONS);
    }

    @Test
    void scalesUpAtOnceToCatchUpWithinMaxLagSeconds() {
        // (input 250/s + lag 3000 / 30 s) / 100/s per pod = 3.5 → 4
        Decision decision = autoscaler.decide(load(0, 3000, 250, 100), 1);
        assertEquals(4, decision.replicas());
        assertEquals(Reason.LagAboveTarget, decision.reason());
        assertTrue(decision.message().contains("lag 3000 records, input 250.0/s, a pod processes 100.0/s (estimated)"),
                decision.message());
    }

    @Test
    void neverMorePodsThanPartitions() {
        Decision decision = autoscaler.decide(load(0, 100_000, 500, 100), 1);
        assertEquals(PARTITIONS, decision.replicas());
        assertEquals(Reason.CappedByPartitions, decision.reason());
        assertTrue(decision.message().contains("the source has 8 partitions"), decision.message());
    }

    @Test
    void neverMorePodsThanMaxReplicas() {
        Autoscaler capped = new Autoscaler(new ScalingPolicy(1, 3, 30, Duration.ofSeconds(120),
                Duration.ofSeconds(300)), TUNING);
        Decision decision = capped.decide(load(0, 100_000, 500, 100), 1);
        assertEquals(3, decision.replicas());
        assertEquals(Reason.CappedByMaxReplicas, decision.reason());
    }

    @Test
    void keepsMinReplicasWhenTheLoadNeedsFewer() {
        Autoscaler atLeastTwo = new Autoscaler(new ScalingPolicy(2, 5, 30, Duration.ofSeconds(120),
                Duration.ofSeconds(300)), TUNING);
        assertEquals(new Decision(2, 2, Reason.AtMinReplicas, atLeastTwo.decide(load(0, 0, 10, 10), 1).message()),
                atLeastTwo.decide(load(10, 0, 10, 10), 1));
        assertEquals(Reason.AtMinReplicas, atLeastTwo.decide(load(20, 0, 10, 10), 2).reason());
    }

    @Test
    void stableWhenThePodsKeepUp() {
        Decision decision = autoscaler.decide(load(0, 20, 250, 250), 3);
        assertEquals(3, decision.replicas());
        assertEquals(Reason.Stable, decision.reason());
    }

    @Test
    void scalesDownOnlyAfterTheWindowToTheHighestCountItRecommended() {
        autoscaler.decide(load(0, 0, 550, 550), 6);
        Decision first = autoscaler.decide(load(10, 0, 250, 250), 6);
        assertEquals(new Decision(6, 3, Reason.ScaleDownPending, first.message()), first);
        assertEquals(6, autoscaler.decide(load(60, 0, 350, 350), 6).replicas());
        assertEquals(6, autoscaler.decide(load(120, 0, 150, 150), 6).replicas());
        Decision down = autoscaler.decide(load(130, 0, 150, 150), 6);
        assertEquals(4, down.replicas(), "the highest recommendation in the window (350/s → 4), not the last (2)");
        assertEquals(Reason.ScaleDown, down.reason());
    }

    @Test
    void loadReturningWithinTheWindowCancelsTheScaleDown() {
        autoscaler.decide(load(0, 0, 250, 250), 6);
        autoscaler.decide(load(100, 0, 550, 550), 6);
        assertEquals(Reason.ScaleDownPending, autoscaler.decide(load(110, 0, 250, 250), 6).reason());
        assertEquals(6, autoscaler.decide(load(200, 0, 250, 250), 6).replicas(), "the window started again at 110s");
        assertEquals(3, autoscaler.decide(load(230, 0, 250, 250), 6).replicas());
    }

    @Test
    void neverScalesDownWhileABacklogDrains() {
        // 4 pods drain 1200/s; (50/s + 3000/30) / 100 → 2 pods would do, but 3000 records are a backlog
        autoscaler.decide(load(0, 0, 100, 100), 4);
        Decision draining = autoscaler.decide(load(200, 3000, 50, 1200), 4);
        assertEquals(Reason.BacklogDraining, draining.reason());
        assertEquals(4, draining.replicas());
        assertEquals(4, autoscaler.decide(load(400, 3000, 50, 1200), 4).replicas(), "however long it drains");
        assertEquals(Reason.ScaleDownPending, autoscaler.decide(load(410, 0, 50, 50), 4).reason(),
                "the window starts once drained");
    }

    @Test
    void measuresCapacityOnlyWhenSettledAndBusy() {
        // 2000 behind at 100/s in: (100 + 2000/30) / 100 → 2 pods, as many as run, and a backlog
        autoscaler.decide(load(0, 2000, 100, 90), 2);
        autoscaler.decide(load(30, 2000, 100, 90), 2);
        assertEquals(100, autoscaler.recordsPerSecondPerReplica(), "within the settle time: still the estimate");
        autoscaler.decide(load(70, 2000, 100, 800), 2);
        assertEquals(400, autoscaler.recordsPerSecondPerReplica(), "busy through the interval: 800/s over 2 pods");
        autoscaler.decide(load(80, 0, 100, 100), 2);
        assertEquals(400, autoscaler.recordsPerSecondPerReplica(), "keeping up says nothing of what pods can do");
        autoscaler.decide(load(90, 2000, 100, 500), 2);
        assertEquals(400, autoscaler.recordsPerSecondPerReplica(), "busy only since this poll: not measured");
        autoscaler.decide(load(100, 2000, 100, 1200), 2);
        assertEquals(500, autoscaler.recordsPerSecondPerReplica(),
                "busy through the interval: smoothed, halfway to 600");
        autoscaler.decide(load(110, 0, 1300, 1300), 2);
        assertEquals(650, autoscaler.recordsPerSecondPerReplica(), "pods keeping up with 650/s each can do that much");
    }

    @Test
    void stopsAfterTheIdleTimeoutAndNotBefore() {
        assertEquals(Reason.ScaleDownPending, autoscaler.decide(load(0, 0, 0, 0), 3).reason());
        assertEquals(1, autoscaler.decide(load(130, 0, 0, 0), 3).replicas(), "down to one pod while idle");
        assertEquals(Reason.Stable, autoscaler.decide(load(290, 0, 0, 0), 1).reason());
        Decision stop = autoscaler.decide(load(300, 0, 0, 0), 1);
        assertEquals(new Decision(0, 0, Reason.Idle, stop.message()), stop);
        assertTrue(stop.message().contains("No lag and no input for 300s"), stop.message());
        assertEquals(new Decision(0, 0, Reason.Stable, autoscaler.decide(load(310, 0, 0, 0), 0).message()),
                autoscaler.decide(load(320, 0, 0, 0), 0), "stays stopped while idle");
    }

    @Test
    void idleTimeoutRestartsWhenRecordsArrive() {
        autoscaler.decide(load(0, 0, 0, 0), 1);
        autoscaler.decide(load(200, 0, 5, 5), 1);
        assertEquals(1, autoscaler.decide(load(450, 0, 0, 0), 1).replicas(), "idle again only since 450s");
        assertEquals(0, autoscaler.decide(load(750, 0, 0, 0), 1).replicas());
    }

    @Test
    void minReplicasAboveZeroNeverStops() {
        Autoscaler neverStops = new Autoscaler(new ScalingPolicy(1, 4, 30, Duration.ofSeconds(120),
                Duration.ofSeconds(300)), TUNING);
        neverStops.decide(load(0, 0, 0, 0), 1);
        assertEquals(1, neverStops.decide(load(1000, 0, 0, 0), 1).replicas());
    }

    @Test
    void wakesFromZeroAsSoonAsLagAppears() {
        Decision wake = autoscaler.decide(load(0, 1, 0, 0), 0);
        assertEquals(new Decision(1, 1, Reason.WakeUp, wake.message()), wake);
        Decision big = new Autoscaler(POLICY, TUNING).decide(load(0, 9000, 100, 0), 0);
        assertEquals(4, big.replicas(), "(100 + 9000/30) / 100 = 4, at once");
        assertEquals(Reason.WakeUp, big.reason());
    }

    @Test
    void wakesFromZeroWhenInputArrivesWithoutLag() {
        // a job reading from latest that never committed shows input before it shows lag
        assertEquals(Reason.WakeUp, autoscaler.decide(load(0, 0, 3, 0), 0).reason());
    }
}

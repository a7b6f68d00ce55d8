package dev.weir.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weir.api.StreamJobStatus;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.autoscaler.LagUnit;
import dev.weir.operator.autoscaler.Load;
import dev.weir.operator.autoscaler.Reason;
import dev.weir.operator.observe.Autoscaling;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScalingStatusTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.250Z");

    private static Autoscaling.Poll poll(long lag, Decision decision) {
        return new Autoscaling.Poll(new Load(T0, lag, 123.456, 99.94, 99.94, 4), Optional.ofNullable(decision), true,
                Duration.ofSeconds(10));
    }

    @Test
    void reportsLagRatesAndTheDecision() {
        StreamJobStatus next = new StreamJobStatus();
        ScalingStatus.apply(next, poll(42, new Decision(3, 3, Reason.LagAboveTarget, "up")), T0);
        assertEquals(42L, next.lag);
        assertEquals(123.5, next.inputRate);
        assertEquals(99.9, next.processingRate);
        assertEquals(3, next.desiredReplicas);
        assertEquals("LagAboveTarget", next.lastScaling.reason);
        assertEquals("2026-01-01T00:00:00Z", next.lastScaling.time);
    }

    @Test
    void theLastDecisionKeepsItsTimeWhileReasonAndCountHold() {
        StreamJobStatus previous = new StreamJobStatus();
        ScalingStatus.apply(previous, poll(42, new Decision(3, 3, Reason.Stable, "3 pods keep up: lag 42")), T0);
        StreamJobStatus next = new StreamJobStatus();
        ScalingStatus.carryOver(next, previous);
        ScalingStatus.apply(next, poll(40, new Decision(3, 3, Reason.Stable, "3 pods keep up: lag 40")),
                T0.plusSeconds(10));
        assertSame(previous.lastScaling, next.lastScaling, "no status churn from the numbers in the message");
        ScalingStatus.apply(next, poll(0, new Decision(3, 2, Reason.ScaleDownPending, "2 would do")),
                T0.plusSeconds(20));
        assertEquals("2026-01-01T00:00:20Z", next.lastScaling.time);
    }

    @Test
    void aKinesisJobsLagIsInSecondsAndItsShardMillisecondRatesAreNotShownAsRecords() {
        StreamJobStatus next = new StreamJobStatus();
        next.lag = 5L;
        // the furthest of 3 shards with input is 12.34 s behind: the autoscaler's lag is 3 × 12,340 shard-ms
        Load kinesis = new Load(T0, 37_020, 3000, 2500, 2500, 4, LagUnit.SHARD_MILLISECONDS,
                Optional.of(Duration.ofMillis(12_340)));
        ScalingStatus.apply(next, new Autoscaling.Poll(kinesis, Optional.empty(), true, Duration.ofSeconds(10)), T0);
        assertEquals(12.3, next.lagSeconds);
        assertNull(next.lag, "no record count: sequence numbers are not dense");
        assertNull(next.inputRate);
        assertNull(next.processingRate);
        StreamJobStatus carried = new StreamJobStatus();
        ScalingStatus.carryOver(carried, next);
        assertEquals(12.3, carried.lagSeconds);
    }

    @Test
    void aJobTheAutoscalerDoesNotSizeHasLagButNoDecision() {
        StreamJobStatus next = new StreamJobStatus();
        ScalingStatus.apply(next, poll(7, null), T0);
        assertEquals(7L, next.lag);
        assertNull(next.desiredReplicas);
        assertNull(next.lastScaling);
    }
}

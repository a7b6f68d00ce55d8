package dev.weir.operator.lag;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.operator.autoscaler.Load;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LagTrackerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static LagReading reading(long second, long end, long consumed) {
        return new LagReading(T0.plusSeconds(second), 4, end - consumed, end, consumed);
    }

    @Test
    void ratesAreOffsetGrowthOverTheWindow() {
        LagTracker tracker = LagTracker.forPollInterval(Duration.ofSeconds(10));
        assertEquals(new Load(T0, 0, 0, 0, 0, 4), tracker.observe(reading(0, 1000, 1000)), "one reading: no rates yet");
        tracker.observe(reading(10, 2000, 1500));
        Load load = tracker.observe(reading(20, 3000, 2000));
        assertEquals(100.0, load.inputRate());
        assertEquals(50.0, load.processingRate());
        assertEquals(1000, load.lag());
        assertEquals(4, load.partitions());
    }

    @Test
    void oldReadingsLeaveTheWindow() {
        LagTracker tracker = LagTracker.forPollInterval(Duration.ofSeconds(10));
        tracker.observe(reading(0, 0, 0));
        for (int s = 10; s <= 60; s += 10) {
            tracker.observe(reading(s, 100_000, 100_000));
        }
        Load quiet = tracker.observe(reading(70, 100_000, 100_000));
        assertEquals(0.0, quiet.inputRate(), "the burst at 10s is more than 60s old");
        assertEquals(true, quiet.idle());
    }
}

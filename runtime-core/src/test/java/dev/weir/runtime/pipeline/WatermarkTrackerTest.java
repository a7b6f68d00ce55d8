package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WatermarkTrackerTest {
    private static final long U = WatermarkTracker.UNKNOWN;

    @Test
    void waitsForEveryPartitionThenTakesTheSmallestMaximum() {
        WatermarkTracker w = new WatermarkTracker(3, U);
        assertEquals(U, w.active(0, 100));
        assertEquals(U, w.active(1, 50));
        assertEquals(50, w.active(2, 70), "partition 1 holds the watermark back");
        assertEquals(70, w.active(1, 500));
        assertEquals(100, w.active(2, 900));
    }

    @Test
    void neverGoesBack() {
        WatermarkTracker w = new WatermarkTracker(1, U);
        assertEquals(100, w.active(0, 100));
        assertEquals(100, w.active(0, 40));
    }

    @Test
    void idlePartitionStopsHoldingBack() {
        WatermarkTracker w = new WatermarkTracker(2, U);
        w.active(0, 1_000);
        assertEquals(10, w.active(1, 10));
        assertEquals(1_000, w.idle(1, 10, 30_000));
        assertEquals(1_000, w.active(1, 20), "an active partition behind the watermark cannot move it back");
    }

    @Test
    void allIdleMovesOnWithWallClock() {
        WatermarkTracker w = new WatermarkTracker(2, U);
        w.active(0, 1_000);
        w.active(1, 800);
        w.idle(0, 1_000, 30_000);
        assertEquals(31_000, w.idle(1, 800, 30_000), "the furthest idle partition plus its idle time");
        assertEquals(32_000, w.idle(0, 1_000, 31_000));
    }

    @Test
    void partitionsThatNeverHadDataDoNotMoveItWhenIdle() {
        WatermarkTracker w = new WatermarkTracker(1, U);
        assertEquals(U, w.idle(0, U, 60_000));
    }

    @Test
    void resumesFromAPersistedWatermark() {
        WatermarkTracker w = new WatermarkTracker(1, 5_000);
        assertEquals(5_000, w.active(0, 10));
    }

    @Test
    void anEndedPartitionHoldsNothingBack_andTheEndComesOnlyWhenEveryPartitionHasEnded() {
        WatermarkTracker w = new WatermarkTracker(2, U);
        w.active(0, 1_000);
        assertEquals(500, w.active(1, 500));
        assertEquals(1_000, w.ended(1), "partition 1 has ended: partition 0 alone holds the watermark");
        assertFalse(w.allEnded());
        assertEquals(EventTimeReader.MAX_MILLIS, w.active(0, EventTimeReader.MAX_MILLIS),
                "the latest event time there is is still an event time");
        assertFalse(w.allEnded());
        assertEquals(WatermarkTracker.END, w.ended(0));
        assertTrue(w.allEnded());
    }

    @Test
    void splitsRegisteredLaterHoldItUntilTheyReport() {
        WatermarkTracker w = new WatermarkTracker(U);
        int a = w.register("shardId-0");
        assertEquals(100, w.active(a, 100));
        int b = w.register("shardId-1");
        assertEquals(100, w.active(a, 500), "a new shard that has not reported holds the watermark");
        assertEquals(300, w.active(b, 300));
        assertEquals(b, w.register("shardId-1"), "registering again gives the same slot");
    }

    @Test
    void childrenRegisteredBeforeTheParentEndsKeepItFromRunningAhead() {
        WatermarkTracker w = new WatermarkTracker(U);
        int parent = w.register("shardId-0");
        int other = w.register("shardId-1");
        w.active(parent, 100);
        assertEquals(100, w.active(other, 1_000));
        int child = w.register("shardId-2");
        assertEquals(100, w.ended(parent), "the child has read nothing yet");
        assertEquals(150, w.active(child, 150));
        assertFalse(w.allEnded());
        w.ended(other);
        assertEquals(WatermarkTracker.END, w.ended(child));
        assertTrue(w.allEnded());
    }

    @Test
    void noSplitsNoMovement() {
        WatermarkTracker w = new WatermarkTracker(U);
        assertFalse(w.allEnded());
        assertEquals(U, w.current());
    }
}

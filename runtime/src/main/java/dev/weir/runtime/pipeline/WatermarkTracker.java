package dev.weir.runtime.pipeline;

import java.util.Arrays;

/**
 * The watermark of the contract, kept by every task that holds windows: the smallest, over the
 * source partitions, of the largest event time read from each. Until every partition has reported,
 * it does not move. A partition reported idle stops holding it back; when all are idle, the
 * watermark moves on with the wall-clock time they have been idle. A partition whose input has
 * ended holds nothing back; when all have ended, the watermark is {@link #END}. It never goes back.
 */
public final class WatermarkTracker {
    public static final long UNKNOWN = Long.MIN_VALUE;
    /** The watermark once every partition's input has ended: past every event time (they end in year 9999). */
    public static final long END = Long.MAX_VALUE;
    private static final long ACTIVE = -1;

    private final long[] maxEventTime;
    private final long[] idleForMs;
    private final boolean[] reported;
    private final boolean[] ended;
    private int unreported;
    private int running;
    private long watermark;

    public WatermarkTracker(int sourcePartitions, long initial) {
        maxEventTime = new long[sourcePartitions];
        idleForMs = new long[sourcePartitions];
        reported = new boolean[sourcePartitions];
        ended = new boolean[sourcePartitions];
        running = sourcePartitions;
        Arrays.fill(maxEventTime, UNKNOWN);
        Arrays.fill(idleForMs, ACTIVE);
        unreported = sourcePartitions;
        watermark = initial;
    }

    public long current() {
        return watermark;
    }

    /** Partition {@code p} has read records up to {@code max} event time and is active. */
    public long active(int p, long max) {
        report(p);
        if (max > maxEventTime[p]) {
            maxEventTime[p] = max;
        }
        idleForMs[p] = ACTIVE;
        return recompute();
    }

    /** Partition {@code p} has read nothing for {@code idleFor} ms (at least the idle timeout). */
    public long idle(int p, long max, long idleFor) {
        report(p);
        if (max > maxEventTime[p]) {
            maxEventTime[p] = max;
        }
        idleForMs[p] = idleFor;
        return recompute();
    }

    /** Partition {@code p}'s input has ended: it will read nothing more. */
    public long ended(int p) {
        report(p);
        if (!ended[p]) {
            ended[p] = true;
            running--;
        }
        return recompute();
    }

    /** Whether every partition's input has ended. */
    public boolean allEnded() {
        return running == 0;
    }

    private void report(int p) {
        if (p < 0 || p >= reported.length) {
            throw new IllegalArgumentException("source partition " + p + " out of range 0.." + (reported.length - 1));
        }
        if (!reported[p]) {
            reported[p] = true;
            unreported--;
        }
    }

    private long recompute() {
        if (unreported > 0) {
            return watermark;
        }
        if (running == 0) {
            watermark = END;
            return watermark;
        }
        long activeMin = Long.MAX_VALUE;
        boolean anyActive = false;
        long idleMax = UNKNOWN;
        for (int p = 0; p < maxEventTime.length; p++) {
            if (ended[p]) {
                continue;
            }
            if (idleForMs[p] == ACTIVE) {
                anyActive = true;
                activeMin = Math.min(activeMin, maxEventTime[p]);
            } else if (maxEventTime[p] != UNKNOWN) {
                idleMax = Math.max(idleMax, saturatedAdd(maxEventTime[p], idleForMs[p]));
            }
        }
        long candidate = anyActive ? activeMin : idleMax;
        if (candidate > watermark) {
            watermark = candidate;
        }
        return watermark;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}

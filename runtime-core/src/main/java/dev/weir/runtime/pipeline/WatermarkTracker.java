package dev.weir.runtime.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The watermark of the contract, kept by every task that holds windows: the smallest, over the
 * source splits (Kafka partitions, Kinesis shards), of the largest event time read from each. Until
 * every registered split has reported, it does not move. A split reported idle stops holding it back;
 * when all are idle, the watermark moves on with the wall-clock time they have been idle. A split
 * whose input has ended holds nothing back; when all have ended, the watermark is {@link #END}. It
 * never goes back.
 *
 * <p>Splits are registered by a string id ({@link #register}) and then addressed by the slot that
 * returns, so the per-record path is an array access. A Kafka engine registers its fixed partitions
 * up front; a Kinesis engine registers shards as they appear (a split or merge registers the children
 * before the parent ends, so that the parent's end never lets the watermark run ahead of them).
 */
public final class WatermarkTracker {
    public static final long UNKNOWN = Long.MIN_VALUE;
    /** The watermark once every split's input has ended: past every event time (they end in year 9999). */
    public static final long END = Long.MAX_VALUE;
    private static final long ACTIVE = -1;

    private final Map<String, Integer> slots = new HashMap<>();
    private final List<String> ids = new ArrayList<>();
    private long[] maxEventTime = new long[0];
    private long[] idleForMs = new long[0];
    private boolean[] reported = new boolean[0];
    private boolean[] ended = new boolean[0];
    private int unreported;
    private int running;
    private long watermark;

    /** A tracker with no split yet: it does not move until splits are registered and report. */
    public WatermarkTracker(long initial) {
        watermark = initial;
    }

    /** The Kafka form: partitions 0..n-1 registered as "0".."n-1", slot = partition. */
    public WatermarkTracker(int sourcePartitions, long initial) {
        this(initial);
        for (int p = 0; p < sourcePartitions; p++) {
            register(Integer.toString(p));
        }
    }

    /**
     * Adds a split that holds the watermark until it reports; registering a known id again returns its slot.
     *
     * @return the split's slot, for {@link #active}, {@link #idle} and {@link #ended}
     */
    public int register(String id) {
        Integer known = slots.get(id);
        if (known != null) {
            return known;
        }
        int slot = ids.size();
        ids.add(id);
        slots.put(id, slot);
        maxEventTime = Arrays.copyOf(maxEventTime, slot + 1);
        idleForMs = Arrays.copyOf(idleForMs, slot + 1);
        reported = Arrays.copyOf(reported, slot + 1);
        ended = Arrays.copyOf(ended, slot + 1);
        maxEventTime[slot] = UNKNOWN;
        idleForMs[slot] = ACTIVE;
        unreported++;
        running++;
        return slot;
    }

    /** The slot of a registered split, or -1. */
    public int slot(String id) {
        Integer slot = slots.get(id);
        return slot == null ? -1 : slot;
    }

    /** The largest event time read from a split so far, or {@link #UNKNOWN}. */
    public long maxEventTime(int slot) {
        check(slot);
        return maxEventTime[slot];
    }

    /** The ids of the registered splits, in registration order. */
    public List<String> splits() {
        return List.copyOf(ids);
    }

    public long current() {
        return watermark;
    }

    /** Split {@code p} (a slot) has read records up to {@code max} event time and is active. */
    public long active(int p, long max) {
        report(p);
        if (max > maxEventTime[p]) {
            maxEventTime[p] = max;
        }
        idleForMs[p] = ACTIVE;
        return recompute();
    }

    /** Split {@code p} has read nothing for {@code idleFor} ms (at least the idle timeout). */
    public long idle(int p, long max, long idleFor) {
        report(p);
        if (max > maxEventTime[p]) {
            maxEventTime[p] = max;
        }
        idleForMs[p] = idleFor;
        return recompute();
    }

    /** Split {@code p}'s input has ended: it will read nothing more, and holds the watermark back no longer. */
    public long ended(int p) {
        report(p);
        if (!ended[p]) {
            ended[p] = true;
            running--;
        }
        return recompute();
    }

    /** Whether split {@code slot}'s input has ended. */
    public boolean hasEnded(int slot) {
        check(slot);
        return ended[slot];
    }

    /** Whether every registered split's input has ended (false while none is registered). */
    public boolean allEnded() {
        return running == 0 && !ids.isEmpty();
    }

    private void report(int p) {
        check(p);
        if (!reported[p]) {
            reported[p] = true;
            unreported--;
        }
    }

    private void check(int slot) {
        if (slot < 0 || slot >= reported.length) {
            throw new IllegalArgumentException("source split slot " + slot + " out of range 0.." + (reported.length - 1)
                    + ": register the split first");
        }
    }

    private long recompute() {
        if (unreported > 0) {
            return watermark;
        }
        if (running == 0 && !ids.isEmpty()) {
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

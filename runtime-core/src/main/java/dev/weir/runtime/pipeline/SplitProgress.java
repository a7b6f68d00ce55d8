package dev.weir.runtime.pipeline;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What a window task knows of each source split's progress, kept in its window state so that a task that restarts
 * or moves to another pod resumes with it: which splits have ended, and the largest event time each reported.
 *
 * <p>Without it a moved window task started with no split reported. The tasks reading the splits repeat their
 * progress, but a reader that also moved after its split's end was committed resumes past the end and never
 * reports it again: the watermark then waited on that split forever and the windows of the moved task were never
 * written (found by the fault run, docs/faults.md). The progress a window task has processed is committed with its
 * input offsets (in one transaction under exactly-once), so what it restores is exactly what it had read.
 */
public final class SplitProgress {
    private static final byte ENDED = 1;
    private static final byte RUNNING = 0;

    private final OrderedStore store;
    /** The largest event time written per split, and whether its end was: saves a store read per report. */
    private final Map<String, Long> writtenMax = new HashMap<>();
    private final Map<String, Boolean> writtenEnded = new HashMap<>();

    public SplitProgress(OrderedStore store) {
        this.store = store;
    }

    /**
     * Tells {@code tracker} what was kept: an ended split ends, any other that had reported is active at its
     * largest event time (so it holds the watermark no further back than before; its reader's next report moves it).
     * Splits the tracker does not know (the source lost partitions) are ignored.
     */
    public void restore(WatermarkTracker tracker) {
        byte[] prefix = StateKeys.SPLITS;
        store.scan(prefix, StateKeys.after(prefix), (key, value) -> {
            String id = new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(value);
            long max = b.getLong();
            boolean ended = b.get() == ENDED;
            writtenMax.put(id, max);
            writtenEnded.put(id, ended);
            int slot = tracker.slot(id);
            if (slot < 0) {
                return true;
            }
            if (ended) {
                tracker.ended(slot);
            } else if (max != WatermarkTracker.UNKNOWN) {
                tracker.active(slot, max);
            }
            return true;
        });
    }

    /** Split {@code id} reported event times up to {@code max}; kept when larger than what was kept. */
    public void progressed(String id, long max) {
        if (max == WatermarkTracker.UNKNOWN || max <= writtenMax.getOrDefault(id, WatermarkTracker.UNKNOWN)
                || writtenEnded.getOrDefault(id, false)) {
            return;
        }
        write(id, max, false);
    }

    /** Split {@code id}'s input ended. */
    public void ended(String id) {
        if (writtenEnded.getOrDefault(id, false)) {
            return;
        }
        write(id, writtenMax.getOrDefault(id, WatermarkTracker.UNKNOWN), true);
    }

    private void write(String id, long max, boolean ended) {
        store.put(key(id), ByteBuffer.allocate(9).putLong(max).put(ended ? ENDED : RUNNING).array());
        writtenMax.put(id, max);
        writtenEnded.put(id, ended);
    }

    private static byte[] key(String id) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = Arrays.copyOf(StateKeys.SPLITS, StateKeys.SPLITS.length + idBytes.length);
        System.arraycopy(idBytes, 0, key, StateKeys.SPLITS.length, idBytes.length);
        return key;
    }
}

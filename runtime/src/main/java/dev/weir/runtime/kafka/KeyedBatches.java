package dev.weir.runtime.kafka;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A source task's records on their way to the window tasks, gathered per key and tumbling window so that each group
 * crosses the keyed topic as one {@link Envelope.Batch} instead of a record each. The caller keeps the rules that
 * make this exact (docs/runtime.md, "Batches through the keyed topic"): a record joins only when its window cannot
 * close by its partition's own progress; every batch is sent before that progress reaches its window's close,
 * before a progress report, before the end of input and before the task's offsets are committed.
 */
final class KeyedBatches {
    /** Records buffered across all batches before all are sent: bounds the memory a task holds. */
    static final int MAX_BUFFERED = 50_000;
    /** Records in one batch at most, whatever the room in a keyed record. */
    static final int MAX_PER_BATCH = 1_000;

    /**
     * The open batches by key and window: an open-addressing table probed linearly from a hash of both, so that a
     * record's lookup builds no object and compares the key bytes of (almost always) one batch. A batch taken out
     * when full stays in its slot, marked sent, until the table is cleared; a new batch of its key and window then
     * goes to another slot.
     */
    private Builder[] slots = new Builder[256];
    /**
     * Each slot's batch's hash, side by side, so that a probe passes a slot of another key without reading its batch
     * (an object elsewhere in the heap).
     */
    private int[] hashes = new int[256];
    /** Open batches and sent ones still in a slot: what the table's load is judged by. */
    private int occupied;
    /** The open batches in the order of their first records, and sent ones not yet cleared (skipped). */
    private final List<Builder> order = new ArrayList<>();
    private int open;
    private long earliestEnd = Long.MAX_VALUE;
    private int buffered;

    /**
     * One key's records of one window, as read, kept already encoded as the records of an {@link Envelope.Batch}
     * (small deltas and the arguments' bytes), so that sending it copies bytes and holding it keeps no objects.
     */
    static final class Builder {
        final byte[] key;
        final long windowEnd;
        private final long windowStart;
        private final int capacity;
        private boolean sent;
        private ByteBuffer records;
        private int argCount = -1;
        private long lastOffset;
        private long lastEventTime;
        private int size;
        private long timestamp = Long.MIN_VALUE;

        private Builder(byte[] key, long windowStart, long windowEnd, int capacity) {
            this.key = key;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.capacity = capacity;
        }

        private boolean add(long offset, long eventTime, long bytes, Object[] values, long recordTimestamp) {
            int bound = Envelope.largestBatchEntry(values.length);
            if (records == null) {
                argCount = values.length;
                records = ByteBuffer.allocate(Math.min(capacity, 8) * bound);
            } else if (records.remaining() < bound) {
                records = ByteBuffer.allocate(Math.max(2 * records.capacity(), records.position() + bound))
                        .put(records.flip());
            }
            if (values.length != argCount) {
                throw new IllegalArgumentException(values.length + " aggregate arguments after " + argCount);
            }
            Envelope.putRecord(records, offset - lastOffset, eventTime - lastEventTime, bytes, values);
            lastOffset = offset;
            lastEventTime = eventTime;
            size++;
            timestamp = Math.max(timestamp, recordTimestamp);
            return size == capacity;
        }

        /** The largest timestamp of its source records: the keyed record's timestamp. */
        long timestamp() {
            return timestamp;
        }

        /** Adds this batch to a group, unless the group would then take more than {@code budget} bytes. */
        boolean addTo(Envelope.GroupWriter group, int sourcePartition, long partitionMax, int budget) {
            return group.add(key, timestamp, sourcePartition, partitionMax, size, argCount, records.array(),
                    records.position(), budget);
        }

        /** The batch as a keyed record's value of its own. */
        byte[] encode(int sourcePartition, long partitionMax) {
            return Envelope.encodeBatch(sourcePartition, partitionMax, size, argCount, records.array(),
                    records.position());
        }

        Envelope.Batch build(int sourcePartition, long partitionMax) {
            return (Envelope.Batch) Envelope.decode(encode(sourcePartition, partitionMax));
        }
    }

    /**
     * Adds a record to its key's batch of its window.
     *
     * @param capacity how many records a batch of this key may hold (what fits one keyed record)
     * @return the batch, taken out, when this record filled it; otherwise null
     */
    Builder add(byte[] key, long windowStart, long windowEnd, int capacity, long offset, long eventTime,
                long payloadBytes, Object[] args, long timestamp) {
        int hash = hash(key, windowStart);
        int mask = slots.length - 1;
        int i = hash & mask;
        Builder batch;
        while ((batch = slots[i]) != null && (hashes[i] != hash || batch.sent || batch.windowStart != windowStart
                || !Arrays.equals(batch.key, key))) {
            i = (i + 1) & mask;
        }
        if (batch == null) {
            batch = new Builder(key, windowStart, windowEnd, Math.max(1, Math.min(capacity, MAX_PER_BATCH)));
            slots[i] = batch;
            hashes[i] = hash;
            order.add(batch);
            open++;
            earliestEnd = Math.min(earliestEnd, windowEnd);
            if (++occupied * 2 > slots.length) {
                grow();
            }
        }
        buffered++;
        if (batch.add(offset, eventTime, payloadBytes, args, timestamp)) {
            batch.sent = true;
            open--;
            buffered -= batch.size;
            return batch;
        }
        return null;
    }

    /**
     * Takes out the batch of this key and window, if one is held: a record of theirs that goes on its own (a traced
     * one) is sent after it, so the window task still takes the key's records in the order they were read.
     */
    Builder take(byte[] key, long windowStart) {
        if (open == 0) {
            return null;
        }
        int hash = hash(key, windowStart);
        int mask = slots.length - 1;
        for (int i = hash & mask; slots[i] != null; i = (i + 1) & mask) {
            Builder batch = slots[i];
            if (hashes[i] == hash && !batch.sent && batch.windowStart == windowStart && Arrays.equals(batch.key, key)) {
                batch.sent = true;
                open--;
                buffered -= batch.size;
                return batch;
            }
        }
        return null;
    }

    /** The key bytes' hash mixed with the window start, spread so that similar keys fall far apart. */
    private static int hash(byte[] key, long windowStart) {
        long h = Arrays.hashCode(key) * 0x9E3779B97F4A7C15L + windowStart;
        h *= 0xC2B2AE3D27D4EB4FL;
        return (int) (h ^ (h >>> 32));
    }

    /** Twice the slots, with the open batches only. */
    private void grow() {
        Builder[] old = slots;
        int[] oldHashes = hashes;
        slots = new Builder[old.length * 2];
        hashes = new int[slots.length];
        occupied = 0;
        int mask = slots.length - 1;
        for (int j = 0; j < old.length; j++) {
            if (old[j] != null && !old[j].sent) {
                int i = oldHashes[j] & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = old[j];
                hashes[i] = oldHashes[j];
                occupied++;
            }
        }
    }

    boolean isEmpty() {
        return open == 0;
    }

    boolean full() {
        return buffered >= MAX_BUFFERED;
    }

    /** Whether a partition maximum of {@code partitionMax} would close the window of some batch. */
    boolean wouldClose(long partitionMax, long lateness) {
        return open > 0 && partitionMax != Long.MIN_VALUE && earliestEnd <= partitionMax - lateness;
    }

    /** Every batch, in the order their first records came, taken out. */
    List<Builder> drain() {
        List<Builder> all = new ArrayList<>(open);
        for (Builder batch : order) {
            if (!batch.sent) {
                all.add(batch);
            }
        }
        clear();
        return all;
    }

    /** Forgets every batch (their records will be read again). */
    void clear() {
        if (occupied > 0) {
            Arrays.fill(slots, null);
        }
        occupied = 0;
        order.clear();
        open = 0;
        earliestEnd = Long.MAX_VALUE;
        buffered = 0;
    }
}

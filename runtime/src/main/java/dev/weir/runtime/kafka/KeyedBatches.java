package dev.weir.runtime.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    private final Map<WindowKey, Builder> open = new LinkedHashMap<>();
    private long earliestEnd = Long.MAX_VALUE;
    private int buffered;

    /** One key's records of one window, as read. */
    static final class Builder {
        final byte[] key;
        final long windowEnd;
        private final int capacity;
        private long[] offsets;
        private long[] eventTimes;
        private long[] payloadBytes;
        private Object[][] args;
        private int size;
        private long timestamp = Long.MIN_VALUE;

        private Builder(byte[] key, long windowEnd, int capacity) {
            this.key = key;
            this.windowEnd = windowEnd;
            this.capacity = capacity;
            int initial = Math.min(capacity, 8);
            this.offsets = new long[initial];
            this.eventTimes = new long[initial];
            this.payloadBytes = new long[initial];
            this.args = new Object[initial][];
        }

        private boolean add(long offset, long eventTime, long bytes, Object[] values, long recordTimestamp) {
            if (size == offsets.length) {
                int grown = Math.min(capacity, size * 2);
                offsets = Arrays.copyOf(offsets, grown);
                eventTimes = Arrays.copyOf(eventTimes, grown);
                payloadBytes = Arrays.copyOf(payloadBytes, grown);
                args = Arrays.copyOf(args, grown);
            }
            offsets[size] = offset;
            eventTimes[size] = eventTime;
            payloadBytes[size] = bytes;
            args[size] = values;
            size++;
            timestamp = Math.max(timestamp, recordTimestamp);
            return size == capacity;
        }

        /** The largest timestamp of its source records: the keyed record's timestamp. */
        long timestamp() {
            return timestamp;
        }

        Envelope.Batch build(int sourcePartition, long partitionMax) {
            return new Envelope.Batch(sourcePartition, partitionMax, Arrays.copyOf(offsets, size),
                    Arrays.copyOf(eventTimes, size), Arrays.copyOf(payloadBytes, size), Arrays.copyOf(args, size));
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
        WindowKey id = new WindowKey(key, windowStart);
        Builder batch = open.get(id);
        if (batch == null) {
            batch = new Builder(key, windowEnd, Math.max(1, Math.min(capacity, MAX_PER_BATCH)));
            open.put(id, batch);
            earliestEnd = Math.min(earliestEnd, windowEnd);
        }
        buffered++;
        if (batch.add(offset, eventTime, payloadBytes, args, timestamp)) {
            open.remove(id);
            buffered -= batch.size;
            return batch;
        }
        return null;
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    boolean full() {
        return buffered >= MAX_BUFFERED;
    }

    /** Whether a partition maximum of {@code partitionMax} would close the window of some batch. */
    boolean wouldClose(long partitionMax, long lateness) {
        return !open.isEmpty() && partitionMax != Long.MIN_VALUE && earliestEnd <= partitionMax - lateness;
    }

    /** Every batch, in the order their first records came, taken out. */
    List<Builder> drain() {
        List<Builder> all = new ArrayList<>(open.values());
        clear();
        return all;
    }

    /** Forgets every batch (their records will be read again). */
    void clear() {
        open.clear();
        earliestEnd = Long.MAX_VALUE;
        buffered = 0;
    }

    private record WindowKey(byte[] key, long windowStart) {
        @Override
        public boolean equals(Object o) {
            return o instanceof WindowKey other && windowStart == other.windowStart && Arrays.equals(key, other.key);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Long.hashCode(windowStart);
        }
    }
}

package dev.weir.runtime.kafka;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What travels through the keyed (repartition) topic, in a compact binary form: a record reduced to
 * what the window needs, a progress report of one source partition, or the end of its input. The end
 * is a kind of its own, never a value of event time: no record's time can pass for it.
 */
sealed interface Envelope {
    byte DATA = 0;
    byte PROGRESS = 1;
    byte ENDED = 2;
    byte BATCH = 3;
    byte GROUP = 4;
    byte NULL = 0;
    byte LONG = 1;
    byte DOUBLE = 2;
    long ACTIVE = -1;

    /**
     * A record for the window. {@code partitionMax} is the largest event time its source partition
     * had read when it was read, so the window task's watermark is exact for it. The payload rides
     * along for the dead letter when that maximum says the record can turn out late, whole or, when
     * the keyed topic would not take it whole, cut to a prefix of the {@code payloadBytes} it had;
     * otherwise it is empty, and a dead letter reads it back from the source topic at {@code sourceOffset}.
     */
    record Data(int sourcePartition, long partitionMax, long eventTime, long sourceOffset, Object[] args,
                byte[] payload, long payloadBytes) implements Envelope {}

    /**
     * Records of one source partition, one key and one tumbling window, in the order they were read: what a
     * {@link Data} says of each, but without payloads (none of them could turn out late by its partition's own
     * progress: a dead letter reads its payload back) and sent as one keyed record. {@code partitionMax} is the
     * partition's largest event time when the batch was sent, which is still below the window's end plus the
     * allowed lateness.
     */
    record Batch(int sourcePartition, long partitionMax, long[] sourceOffsets, long[] eventTimes, long[] payloadBytes,
                 Object[][] args) implements Envelope {
        int size() {
            return sourceOffsets.length;
        }

        /** The {@link Data} of record {@code i}, with no payload. */
        Data record(int i) {
            return new Data(sourcePartition, partitionMax, eventTimes[i], sourceOffsets[i], args[i], NO_PAYLOAD,
                    payloadBytes[i]);
        }
    }

    byte[] NO_PAYLOAD = new byte[0];

    /**
     * Batches of several keys, all of one source partition and all bound for the same window task, in one keyed
     * record: what a source task sends when it sends its held batches, so that a window task takes one record per
     * source task and commit instead of one per key. Each batch comes with its key and the timestamp it would have
     * had as a keyed record of its own.
     */
    record Group(List<Keyed> batches) implements Envelope {}

    /** One batch of a {@link Group}. */
    record Keyed(byte[] key, long timestamp, Batch batch) {}

    /** Bytes of a {@link Group} envelope besides its batches. */
    static int groupOverhead() {
        return 1 + 4;
    }

    /** The most bytes a batch of {@code n} records with {@code args} arguments and this key takes in a group. */
    static int largestGroupEntry(int keyBytes, int n, int args) {
        return VarInts.MAX_LONG_BYTES + keyBytes + 8 + batchOverhead() + n * largestBatchEntry(args);
    }

    /** Source partition progress: its largest event time, and how long it has been idle (or {@link #ACTIVE}). */
    record Progress(int sourcePartition, long partitionMax, long idleForMs) implements Envelope {}

    /** The source partition's input has ended ({@code weir run}'s end-of-input control record). */
    record Ended(int sourcePartition) implements Envelope {}

    /** The most bytes one record of a {@link Batch} of records with {@code args} arguments takes. */
    static int largestBatchEntry(int args) {
        return 3 * VarInts.MAX_LONG_BYTES + args * (1 + VarInts.MAX_LONG_BYTES);
    }

    /** Bytes of a {@link Batch} envelope besides its records. */
    static int batchOverhead() {
        return 1 + 4 + 8 + 2 * VarInts.MAX_LONG_BYTES;
    }

    /** Bytes of a {@link Data} envelope besides its payload. */
    static int dataOverhead(int args) {
        return 1 + 4 + 8 + 8 + 8 + 4 + args * 9 + 8 + 4;
    }

    static byte[] encode(Envelope envelope) {
        if (envelope instanceof Progress p) {
            return ByteBuffer.allocate(21).put(PROGRESS).putInt(p.sourcePartition()).putLong(p.partitionMax())
                    .putLong(p.idleForMs()).array();
        }
        if (envelope instanceof Ended e) {
            return ByteBuffer.allocate(5).put(ENDED).putInt(e.sourcePartition()).array();
        }
        if (envelope instanceof Batch batch) {
            return encodeBatch(batch);
        }
        if (envelope instanceof Group group) {
            GroupWriter writer = new GroupWriter();
            for (Keyed keyed : group.batches()) {
                writer.add(keyed, Integer.MAX_VALUE);
            }
            return writer.finish();
        }
        Data d = (Data) envelope;
        int payloadLength = d.payload() == null ? 0 : d.payload().length;
        ByteBuffer b = ByteBuffer.allocate(dataOverhead(d.args().length) + payloadLength)
                .put(DATA).putInt(d.sourcePartition()).putLong(d.partitionMax()).putLong(d.eventTime())
                .putLong(d.sourceOffset()).putInt(d.args().length);
        for (Object arg : d.args()) {
            if (arg == null) {
                b.put(NULL).putLong(0);
            } else if (arg instanceof Long l) {
                b.put(LONG).putLong(l);
            } else {
                b.put(DOUBLE).putDouble((Double) arg);
            }
        }
        b.putLong(d.payloadBytes()).putInt(payloadLength);
        if (payloadLength > 0) {
            b.put(d.payload());
        }
        return b.array();
    }

    static Envelope decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte type = b.get();
        if (type == PROGRESS) {
            return new Progress(b.getInt(), b.getLong(), b.getLong());
        }
        if (type == ENDED) {
            return new Ended(b.getInt());
        }
        if (type == BATCH) {
            return decodeBatch(b);
        }
        if (type == GROUP) {
            int n = b.getInt();
            List<Keyed> batches = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] key = new byte[(int) VarInts.getUnsigned(b)];
                b.get(key);
                long timestamp = b.getLong();
                byte batchType = b.get();
                if (batchType != BATCH) {
                    throw new IllegalArgumentException("unknown envelope type " + batchType + " in a group");
                }
                batches.add(new Keyed(key, timestamp, decodeBatch(b)));
            }
            return new Group(batches);
        }
        if (type != DATA) {
            throw new IllegalArgumentException("unknown envelope type " + type);
        }
        int partition = b.getInt();
        long max = b.getLong();
        long eventTime = b.getLong();
        long offset = b.getLong();
        Object[] args = new Object[b.getInt()];
        for (int i = 0; i < args.length; i++) {
            byte tag = b.get();
            args[i] = switch (tag) {
                case NULL -> { b.getLong(); yield null; }
                case LONG -> b.getLong();
                case DOUBLE -> b.getDouble();
                default -> throw new IllegalArgumentException("unknown argument tag " + tag);
            };
        }
        long payloadBytes = b.getLong();
        byte[] payload = new byte[b.getInt()];
        b.get(payload);
        return new Data(partition, max, eventTime, offset, args, payload, payloadBytes);
    }

    /**
     * Offsets and event times as zig-zag deltas from the record before (offsets grow by about one, and event times
     * of one key and window lie close together), so a record of a batch takes a few bytes besides its arguments.
     */
    private static byte[] encodeBatch(Batch batch) {
        ByteBuffer records = records(batch);
        return encodeBatch(batch.sourcePartition(), batch.partitionMax(), batch.size(), argCount(batch),
                records.array(), records.position());
    }

    private static int argCount(Batch batch) {
        return batch.size() == 0 ? 0 : batch.args()[0].length;
    }

    /** The records of a batch, encoded as {@link #putRecord} does, up to the buffer's position. */
    private static ByteBuffer records(Batch batch) {
        ByteBuffer b = ByteBuffer.allocate(batch.size() * largestBatchEntry(argCount(batch)));
        long offset = 0;
        long eventTime = 0;
        for (int i = 0; i < batch.size(); i++) {
            putRecord(b, batch.sourceOffsets()[i] - offset, batch.eventTimes()[i] - eventTime,
                    batch.payloadBytes()[i], batch.args()[i]);
            offset = batch.sourceOffsets()[i];
            eventTime = batch.eventTimes()[i];
        }
        return b;
    }

    /** A {@link Batch} envelope of {@code n} records encoded in the first {@code length} bytes of {@code records}. */
    static byte[] encodeBatch(int sourcePartition, long partitionMax, int n, int argCount, byte[] records,
                              int length) {
        ByteBuffer b = ByteBuffer.allocate(batchOverhead() + length);
        putBatch(b, sourcePartition, partitionMax, n, argCount, records, length);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static void putBatch(ByteBuffer b, int sourcePartition, long partitionMax, int n, int argCount,
                                 byte[] records, int length) {
        b.put(BATCH).putInt(sourcePartition).putLong(partitionMax);
        VarInts.putUnsigned(b, n);
        VarInts.putUnsigned(b, argCount);
        b.put(records, 0, length);
    }

    /**
     * One record of a batch: its offset and event time as zig-zag deltas from the record before (offsets grow by
     * about one, and event times of one key and window lie close together), its payload size and its arguments.
     */
    static void putRecord(ByteBuffer b, long offsetDelta, long eventTimeDelta, long payloadBytes, Object[] args) {
        VarInts.putSigned(b, offsetDelta);
        VarInts.putSigned(b, eventTimeDelta);
        VarInts.putUnsigned(b, payloadBytes);
        for (Object arg : args) {
            if (arg == null) {
                b.put(NULL);
            } else if (arg instanceof Long l) {
                b.put(LONG);
                VarInts.putSigned(b, l);
            } else {
                b.put(DOUBLE).putDouble((Double) arg);
            }
        }
    }

    /**
     * Writes a {@link Group} one batch at a time into a buffer it keeps between groups, refusing a batch that would
     * take the group past a budget.
     */
    final class GroupWriter {
        private ByteBuffer buffer = ByteBuffer.allocate(4096);
        private int count;

        GroupWriter() {
            reset();
        }

        private void reset() {
            buffer.clear();
            buffer.put(GROUP).putInt(0);
            count = 0;
        }

        boolean isEmpty() {
            return count == 0;
        }

        /**
         * Adds the batch of {@code key} whose {@code n} records are encoded in the first {@code length} bytes of
         * {@code records}, unless the group would then take more than {@code budget} bytes.
         *
         * @return whether it was added
         */
        boolean add(byte[] key, long timestamp, int sourcePartition, long partitionMax, int n, int argCount,
                    byte[] records, int length, int budget) {
            int bound = VarInts.MAX_LONG_BYTES + key.length + 8 + batchOverhead() + length;
            if (buffer.remaining() < bound) {
                ByteBuffer grown = ByteBuffer.allocate(Math.max(2 * buffer.capacity(), buffer.position() + bound));
                grown.put(buffer.flip());
                buffer = grown;
            }
            int start = buffer.position();
            VarInts.putUnsigned(buffer, key.length);
            buffer.put(key).putLong(timestamp);
            putBatch(buffer, sourcePartition, partitionMax, n, argCount, records, length);
            if (buffer.position() > budget) {
                buffer.position(start);
                return false;
            }
            count++;
            return true;
        }

        /** Adds a decoded batch, unless the group would then take more than {@code budget} bytes. */
        boolean add(Keyed keyed, int budget) {
            Batch batch = keyed.batch();
            ByteBuffer records = records(batch);
            return add(keyed.key(), keyed.timestamp(), batch.sourcePartition(), batch.partitionMax(), batch.size(),
                    argCount(batch), records.array(), records.position(), budget);
        }

        /** The group's bytes; the writer is then empty. */
        byte[] finish() {
            buffer.putInt(1, count);
            byte[] bytes = Arrays.copyOf(buffer.array(), buffer.position());
            reset();
            return bytes;
        }
    }

    private static Batch decodeBatch(ByteBuffer b) {
        int partition = b.getInt();
        long max = b.getLong();
        int n = (int) VarInts.getUnsigned(b);
        int argCount = (int) VarInts.getUnsigned(b);
        long[] offsets = new long[n];
        long[] eventTimes = new long[n];
        long[] payloadBytes = new long[n];
        Object[][] args = new Object[n][];
        long offset = 0;
        long eventTime = 0;
        for (int i = 0; i < n; i++) {
            offset += VarInts.getSigned(b);
            eventTime += VarInts.getSigned(b);
            offsets[i] = offset;
            eventTimes[i] = eventTime;
            payloadBytes[i] = VarInts.getUnsigned(b);
            Object[] values = new Object[argCount];
            for (int a = 0; a < argCount; a++) {
                byte tag = b.get();
                values[a] = switch (tag) {
                    case NULL -> null;
                    case LONG -> VarInts.getSigned(b);
                    case DOUBLE -> b.getDouble();
                    default -> throw new IllegalArgumentException("unknown argument tag " + tag);
                };
            }
            args[i] = values;
        }
        return new Batch(partition, max, offsets, eventTimes, payloadBytes, args);
    }
}

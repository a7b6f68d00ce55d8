package dev.weir.runtime.kafka;

import java.nio.ByteBuffer;

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
        int n = batch.size();
        int argCount = n == 0 ? 0 : batch.args()[0].length;
        ByteBuffer b = ByteBuffer.allocate(batchOverhead() + n * largestBatchEntry(argCount))
                .put(BATCH).putInt(batch.sourcePartition()).putLong(batch.partitionMax());
        VarInts.putUnsigned(b, n);
        VarInts.putUnsigned(b, argCount);
        long offset = 0;
        long eventTime = 0;
        for (int i = 0; i < n; i++) {
            VarInts.putSigned(b, batch.sourceOffsets()[i] - offset);
            VarInts.putSigned(b, batch.eventTimes()[i] - eventTime);
            VarInts.putUnsigned(b, batch.payloadBytes()[i]);
            offset = batch.sourceOffsets()[i];
            eventTime = batch.eventTimes()[i];
            for (Object arg : batch.args()[i]) {
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
        byte[] bytes = new byte[b.position()];
        System.arraycopy(b.array(), 0, bytes, 0, bytes.length);
        return bytes;
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

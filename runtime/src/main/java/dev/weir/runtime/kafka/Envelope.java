package dev.weir.runtime.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What travels through the keyed (repartition) topic, in a compact binary form: either a record
 * reduced to what the window needs, or a progress report of one source partition.
 */
sealed interface Envelope {
    byte DATA = 0;
    byte PROGRESS = 1;
    byte NULL = 0;
    byte LONG = 1;
    byte DOUBLE = 2;
    long ACTIVE = -1;

    /**
     * A record for the window. {@code partitionMax} is the largest event time its source partition
     * had read when it was read, so the window task's watermark is exact for it; the payload rides
     * along for the dead letter in case the record turns out late.
     */
    record Data(int sourcePartition, long partitionMax, long eventTime, long sourceOffset, Object[] args,
                byte[] payload) implements Envelope {}

    /** Source partition progress: its largest event time, and how long it has been idle (or {@link #ACTIVE}). */
    record Progress(int sourcePartition, long partitionMax, long idleForMs) implements Envelope {}

    static byte[] encode(Envelope envelope) {
        if (envelope instanceof Progress p) {
            return ByteBuffer.allocate(21).put(PROGRESS).putInt(p.sourcePartition()).putLong(p.partitionMax())
                    .putLong(p.idleForMs()).array();
        }
        Data d = (Data) envelope;
        int payloadLength = d.payload() == null ? 0 : d.payload().length;
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 8 + 8 + 8 + 4 + d.args().length * 9 + 4 + payloadLength)
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
        b.putInt(payloadLength);
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
        byte[] payload = new byte[b.getInt()];
        b.get(payload);
        return new Data(partition, max, eventTime, offset, args, payload);
    }

    static String text(byte[] payload) {
        return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
    }
}

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

    /** Source partition progress: its largest event time, and how long it has been idle (or {@link #ACTIVE}). */
    record Progress(int sourcePartition, long partitionMax, long idleForMs) implements Envelope {}

    /** The source partition's input has ended ({@code weir run}'s end-of-input control record). */
    record Ended(int sourcePartition) implements Envelope {}

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
}

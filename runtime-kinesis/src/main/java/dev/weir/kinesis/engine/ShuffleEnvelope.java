package dev.weir.kinesis.engine;

import dev.weir.kinesis.ShardPosition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What travels through a job's shuffle stream (docs/kinesis.md, "The shuffle"), from the source task of a source shard
 * to the window task of a shuffle shard. Every envelope names its source shard and {@code after}: the source position
 * of the previous record that source shard sent to the same shuffle shard (empty for its first). The window task
 * applies a source shard's envelopes in that chain's order, whatever order the puts landed in, and drops what it has
 * applied already: records arrive at the window exactly in their source order, each once.
 */
sealed interface ShuffleEnvelope {
    byte DATA = 0;
    byte PROGRESS = 1;
    byte ENDED = 2;
    byte NULL = 0;
    byte LONG = 1;
    byte DOUBLE = 2;
    /** {@link Progress#idleForMs} of a source shard that is not idle. */
    long ACTIVE = -1;

    String sourceShard();

    /** The last record of the source shard sent to this shuffle shard before this envelope, in source order. */
    Optional<ShardPosition> after();

    /**
     * A keyed record for the window. {@code shardMax} is the largest event time its source shard had read when it was
     * read, so the window task's watermark for it is exact; the source payload rides along for the dead letter, whole
     * or cut to a prefix of its {@code payloadBytes}.
     */
    record Data(String sourceShard, ShardPosition position, Optional<ShardPosition> after, long shardMax,
                long eventTime, byte[] key, Object[] args, String partitionKey, byte[] payload, long payloadBytes,
                String traceparent) implements ShuffleEnvelope {}

    /** The source shard's progress: its largest event time, how long it has been idle (or {@link #ACTIVE}). */
    record Progress(String sourceShard, Optional<ShardPosition> after, long shardMax, long idleForMs)
            implements ShuffleEnvelope {}

    /** The source shard's input ended (split, merge, or {@code weir run}'s end of input); its children follow. */
    record Ended(String sourceShard, Optional<ShardPosition> after, List<String> children) implements ShuffleEnvelope {}

    /** Bytes of a {@link Data} envelope besides its payload, at most. */
    static int dataOverhead(Data d) {
        return 1 + 3 * 2 + d.sourceShard().length() * 3 + 2 * 140 + 8 + 8 + 4 + d.key().length + 4 + d.args().length * 9
                + 2 + d.partitionKey().length() * 3 + 8 + 4 + 2 + (d.traceparent() == null ? 0 : d.traceparent().length());
    }

    static byte[] encode(ShuffleEnvelope envelope) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (envelope instanceof Data d) {
                out.writeByte(DATA);
                out.writeUTF(d.sourceShard());
                out.writeUTF(d.after().map(ShardPosition::toString).orElse(""));
                out.writeUTF(d.position().toString());
                out.writeLong(d.shardMax());
                out.writeLong(d.eventTime());
                out.writeInt(d.key().length);
                out.write(d.key());
                out.writeInt(d.args().length);
                for (Object arg : d.args()) {
                    if (arg == null) {
                        out.writeByte(NULL);
                    } else if (arg instanceof Long l) {
                        out.writeByte(LONG);
                        out.writeLong(l);
                    } else {
                        out.writeByte(DOUBLE);
                        out.writeDouble((Double) arg);
                    }
                }
                out.writeUTF(d.partitionKey());
                out.writeLong(d.payloadBytes());
                out.writeInt(d.payload().length);
                out.write(d.payload());
                out.writeUTF(d.traceparent() == null ? "" : d.traceparent());
            } else if (envelope instanceof Progress p) {
                out.writeByte(PROGRESS);
                out.writeUTF(p.sourceShard());
                out.writeUTF(p.after().map(ShardPosition::toString).orElse(""));
                out.writeLong(p.shardMax());
                out.writeLong(p.idleForMs());
            } else {
                Ended e = (Ended) envelope;
                out.writeByte(ENDED);
                out.writeUTF(e.sourceShard());
                out.writeUTF(e.after().map(ShardPosition::toString).orElse(""));
                out.writeInt(e.children().size());
                for (String child : e.children()) {
                    out.writeUTF(child);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException when the bytes are not an envelope this runtime writes */
    static ShuffleEnvelope decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte type = in.readByte();
            String shard = in.readUTF();
            String afterText = in.readUTF();
            Optional<ShardPosition> after = afterText.isEmpty() ? Optional.empty()
                    : Optional.of(ShardPosition.parse(afterText));
            switch (type) {
                case DATA -> {
                    ShardPosition position = ShardPosition.parse(in.readUTF());
                    long shardMax = in.readLong();
                    long eventTime = in.readLong();
                    byte[] key = new byte[in.readInt()];
                    in.readFully(key);
                    Object[] args = new Object[in.readInt()];
                    for (int i = 0; i < args.length; i++) {
                        byte tag = in.readByte();
                        args[i] = switch (tag) {
                            case NULL -> null;
                            case LONG -> in.readLong();
                            case DOUBLE -> in.readDouble();
                            default -> throw new IllegalArgumentException("unknown argument tag " + tag);
                        };
                    }
                    String partitionKey = in.readUTF();
                    long payloadBytes = in.readLong();
                    byte[] payload = new byte[in.readInt()];
                    in.readFully(payload);
                    String traceparent = in.readUTF();
                    return new Data(shard, position, after, shardMax, eventTime, key, args, partitionKey, payload,
                            payloadBytes, traceparent.isEmpty() ? null : traceparent);
                }
                case PROGRESS -> {
                    return new Progress(shard, after, in.readLong(), in.readLong());
                }
                case ENDED -> {
                    int n = in.readInt();
                    List<String> children = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        children.add(in.readUTF());
                    }
                    return new Ended(shard, after, List.copyOf(children));
                }
                default -> throw new IllegalArgumentException("unknown shuffle envelope type " + type);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a shuffle envelope: " + e.getMessage(), e);
        }
    }
}

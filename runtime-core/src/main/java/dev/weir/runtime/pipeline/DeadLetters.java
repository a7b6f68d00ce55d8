package dev.weir.runtime.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dead-letter record of every engine: reason, message, the original payload, and where it was read
 * ({@code source}: a Kafka record's topic, partition and offset; a Kinesis record's stream, shard and sequence number).
 * The payload is its text, plus its exact bytes in base64 when they are not UTF-8; when the whole would be larger than
 * the dead-letter sink takes, it carries as much of the payload as fits, the payload's size and
 * {@code "truncated": true}.
 */
public final class DeadLetters {
    /** Longer messages (a parser's, CEL's) are cut here: they say what is wrong in far less. */
    public static final int MAX_MESSAGE_CHARS = 4096;
    /**
     * Room a dead letter needs when its payload is cut to nothing: the message, each character escaped at worst to
     * six bytes, and the other fields. A record whose own key and headers leave less goes without them.
     */
    public static final int SMALLEST = MAX_MESSAGE_CHARS * 6 + 1024;

    private DeadLetters() {}

    /**
     * @param payload      the record's bytes, or a prefix of them; null when the record had no value
     * @param payloadBytes the size of the whole payload ({@code payload.length} unless a prefix is given)
     * @param maxBytes     the largest value the dead-letter topic takes
     */
    public static byte[] envelope(DeadLetterReason reason, String message, byte[] payload, long payloadBytes,
                                  Map<String, Object> source, int maxBytes) {
        return envelope(reason, message, payload, payloadBytes, source, Map.of(), maxBytes);
    }

    /**
     * A dead letter with top-level fields of its own besides: the trace context on a stream whose records have no
     * headers ({@link TraceField}).
     */
    public static byte[] envelope(DeadLetterReason reason, String message, byte[] payload, long payloadBytes,
                                  Map<String, Object> source, Map<String, Object> fields, int maxBytes) {
        String shortMessage = message.length() <= MAX_MESSAGE_CHARS ? message
                : message.substring(0, MAX_MESSAGE_CHARS) + "…";
        boolean text = payload == null || Utf8.firstInvalid(payload) < 0;
        byte[] whole = write(reason, shortMessage, payload, payloadBytes, text, source, fields);
        if (whole.length <= maxBytes) {
            return whole;
        }
        // the largest prefix that fits: the JSON escaping of a prefix is not proportional to its length
        int fits = 0;
        int tooLong = payload.length;
        while (tooLong - fits > 1) {
            int mid = (fits + tooLong) >>> 1;
            if (write(reason, shortMessage, prefix(payload, mid, text), payloadBytes, text, source, fields)
                    .length <= maxBytes) {
                fits = mid;
            } else {
                tooLong = mid;
            }
        }
        byte[] cut = write(reason, shortMessage, prefix(payload, fits, text), payloadBytes, text, source, fields);
        if (cut.length > maxBytes) {
            throw new IllegalStateException("a dead letter without its payload is " + cut.length + " bytes, over the "
                    + maxBytes + " the topic takes");
        }
        return cut;
    }

    /** The dead letter of a Kafka record whose payload is given whole (or, with payloadBytes, cut). */
    public static byte[] envelope(DeadLetterReason reason, String message, byte[] payload, long payloadBytes,
                                  String topic, int partition, long offset, int maxBytes) {
        return envelope(reason, message, payload, payloadBytes, kafkaSource(topic, partition, offset), maxBytes);
    }

    /** The dead letter of a Kafka record whose payload is given whole. */
    public static byte[] envelope(DeadLetterReason reason, String message, byte[] payload, String topic, int partition,
                                  long offset, int maxBytes) {
        return envelope(reason, message, payload, payload == null ? 0 : payload.length, topic, partition, offset,
                maxBytes);
    }

    /** Where a Kafka record was read. */
    public static Map<String, Object> kafkaSource(String topic, int partition, long offset) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("topic", topic);
        source.put("partition", partition);
        source.put("offset", offset);
        return source;
    }

    /**
     * Where a Kinesis record was read; the sequence number is a string (up to 128 digits), with {@code /N} when the
     * record was the N-th of an aggregated one.
     */
    public static Map<String, Object> kinesisSource(String stream, String shardId, String sequenceNumber) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("stream", stream);
        source.put("shard", shardId);
        source.put("sequence_number", sequenceNumber);
        return source;
    }

    private static byte[] prefix(byte[] payload, int length, boolean text) {
        return Arrays.copyOf(payload, text ? Utf8.prefixLength(payload, length) : length);
    }

    private static byte[] write(DeadLetterReason reason, String message, byte[] payload, long payloadBytes,
                                boolean text, Map<String, Object> source, Map<String, Object> fields) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reason", reason.name());
        out.put("message", message);
        out.put("record", payload == null ? null : new String(payload, StandardCharsets.UTF_8));
        if (!text) {
            out.put("record_base64", Base64.getEncoder().encodeToString(payload));
        }
        if (payload != null && payload.length < payloadBytes) {
            out.put("record_bytes", payloadBytes);
            out.put("truncated", true);
        }
        out.put("source", source);
        fields.forEach(out::putIfAbsent);
        return Json.write(out);
    }
}

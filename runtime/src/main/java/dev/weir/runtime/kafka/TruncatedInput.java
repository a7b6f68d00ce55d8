package dev.weir.runtime.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * An input line of {@code weir run} too large for a Kafka record travels as its first bytes with this header, which
 * says how large it was, so that it keeps its offset (its line number − 1) and goes to the dead letter as
 * {@code too_large} like any other bad record. Only {@code weir run} writes it.
 */
public final class TruncatedInput {
    /** Header whose value is the whole record's size in bytes, in decimal. */
    public static final String ORIGINAL_SIZE_HEADER = "weir-original-size";

    private TruncatedInput() {}

    public static Headers headers(long originalSize) {
        return new RecordHeaders().add(ORIGINAL_SIZE_HEADER, Long.toString(originalSize).getBytes(StandardCharsets.UTF_8));
    }

    /** The whole record's size, or -1 when the record is not a truncated one. */
    static long originalSize(Headers headers) {
        var header = headers.lastHeader(ORIGINAL_SIZE_HEADER);
        if (header == null || header.value() == null) {
            return -1;
        }
        try {
            return Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

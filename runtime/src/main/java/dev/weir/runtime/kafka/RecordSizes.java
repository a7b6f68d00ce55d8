package dev.weir.runtime.kafka;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The largest record the job may write, and how much of it a value may take. A producer refuses a record over its
 * {@code max.request.size} (and a broker one over the topic's {@code max.message.bytes}) with an exception that
 * would stop the job, so processors measure what they write and dead-letter what does not fit instead.
 */
public record RecordSizes(int maxRecordBytes) {
    /** Kafka's default {@code max.request.size}; brokers' default {@code message.max.bytes} is a little larger. */
    public static final int KAFKA_DEFAULT = 1024 * 1024;
    public static final RecordSizes DEFAULT = new RecordSizes(KAFKA_DEFAULT);
    /**
     * What Kafka adds around one record in its own batch, at most: a batch header of 61 bytes and a record's framing
     * of up to 21 (its estimateSizeInBytesUpperBound); rounded up.
     */
    static final int RECORD_OVERHEAD = 128;
    /** Framing of one header, at most (two varint lengths and the count). */
    private static final int HEADER_OVERHEAD = 12;
    private static final Headers NONE = new RecordHeaders();

    /** How many bytes a value may have next to this key and these headers. */
    public int valueBudget(byte[] key, Headers headers) {
        int used = RECORD_OVERHEAD + (key == null ? 0 : key.length);
        for (Header h : headers) {
            used += HEADER_OVERHEAD + h.key().length() * 3 + (h.value() == null ? 0 : h.value().length);
        }
        return maxRecordBytes - used;
    }

    /** How many bytes a value may have next to this key, without headers (what a window task writes). */
    public int valueBudget(byte[] key) {
        return valueBudget(key, NONE);
    }

    /** Whether a record of this key, value and headers stays under the limit. */
    public boolean fits(byte[] key, byte[] value, Headers headers) {
        return (value == null ? 0 : value.length) <= valueBudget(key, headers);
    }
}

package dev.weir.kinesis;

import java.nio.charset.StandardCharsets;

/**
 * A record to put: Kinesis picks its shard by the hash of the partition key, or by {@code explicitHashKey} when set
 * (a decimal 128-bit hash key: the shard whose range holds it).
 */
public record SinkRecord(String partitionKey, byte[] data, String explicitHashKey) {

    public SinkRecord(String partitionKey, byte[] data) {
        this(partitionKey, data, null);
    }

    /** What the record counts against Kinesis' size limits: its data plus its partition key in UTF-8. */
    public int size() {
        return data.length + partitionKey.getBytes(StandardCharsets.UTF_8).length;
    }
}

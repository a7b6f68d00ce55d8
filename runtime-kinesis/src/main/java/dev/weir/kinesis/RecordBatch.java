package dev.weir.kinesis;

import java.util.List;
import java.util.OptionalLong;

/**
 * What one read of a shard returned, in the shard's order. Empty batches are delivered too: an empty batch with
 * {@code millisBehindLatest} 0 says the shard is idle and read to its end, which lets the engine's watermark move on
 * without it.
 *
 * @param millisBehindLatest how far the read is behind the newest record of the shard, as Kinesis reports it; empty
 *                           when the server did not say
 */
public record RecordBatch(String shardId, List<KinesisRecord> records, OptionalLong millisBehindLatest) {

    public RecordBatch {
        records = List.copyOf(records);
    }
}

package dev.weir.kinesis;

import java.time.Instant;

/**
 * One record read from a shard.
 *
 * @param approximateArrivalTimestamp when Kinesis accepted the record (the event time of a job without an event-time
 *                                    field)
 * @param data                        the payload; the array is the record's own, not shared
 */
public record KinesisRecord(String shardId, ShardPosition position, Instant approximateArrivalTimestamp,
                            String partitionKey, byte[] data) {
}

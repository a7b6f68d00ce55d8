package dev.weir.kinesis.engine;

import dev.weir.kinesis.KinesisSourceSettings.StartingPosition;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The source shards whose reading starts first, and which must hold the watermark from the engine's start: a shard the
 * Kinesis Client Library leases a round later than the others must not find their windows closed without it. Their
 * descendants join the watermark as their parents end.
 */
final class FirstShards {
    private FirstShards() {
    }

    /**
     * @param all      every shard of the stream, open and closed
     * @param position where a shard without a checkpoint starts
     * @param ended    the shards a restored state has read to their end (empty on a first start)
     * @return at the trim horizon, or after a restore, the shards not ended whose parents are ended or gone; on a first
     *         start at LATEST, the open shards
     */
    static List<String> of(List<Shard> all, StartingPosition position, Set<String> ended) {
        if (ended.isEmpty() && position == StartingPosition.LATEST) {
            return all.stream().filter(shard -> shard.sequenceNumberRange().endingSequenceNumber() == null)
                    .map(Shard::shardId).toList();
        }
        Set<String> waiting = new HashSet<>();
        all.forEach(shard -> waiting.add(shard.shardId()));
        waiting.removeAll(ended);
        return all.stream()
                .filter(shard -> !ended.contains(shard.shardId()))
                .filter(shard -> !waiting.contains(shard.parentShardId())
                        && !waiting.contains(shard.adjacentParentShardId()))
                .map(Shard::shardId)
                .toList();
    }
}

package dev.weir.kinesis.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.kinesis.KinesisSourceSettings.StartingPosition;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Shard;

class FirstShardsTest {

    private static Shard shard(String id, String parent, String adjacent, boolean closed) {
        return Shard.builder().shardId(id).parentShardId(parent).adjacentParentShardId(adjacent)
                .sequenceNumberRange(range -> range.startingSequenceNumber("1")
                        .endingSequenceNumber(closed ? "9" : null))
                .build();
    }

    /** 0 split into 2 and 3; 1 and 2 merged into 4. */
    private static final List<Shard> STREAM = List.of(
            shard("0", null, null, true),
            shard("1", null, null, true),
            shard("2", "0", null, true),
            shard("3", "0", null, false),
            shard("4", "2", "1", false),
            shard("5", "trimmed", null, false));

    @Test
    void atTheTrimHorizonEveryLineagesOldestShardHoldsTheWatermarkFromTheStart() {
        assertEquals(List.of("0", "1", "5"), FirstShards.of(STREAM, StartingPosition.TRIM_HORIZON, Set.of()));
    }

    @Test
    void atLatestTheOpenShards() {
        assertEquals(List.of("3", "4", "5"), FirstShards.of(STREAM, StartingPosition.LATEST, Set.of()));
    }

    @Test
    void afterARestoreTheShardsWhoseParentsTheStateReadToTheirEnd() {
        assertEquals(List.of("1", "2", "3", "5"), FirstShards.of(STREAM, StartingPosition.TRIM_HORIZON, Set.of("0")));
        assertEquals(List.of("3", "4", "5"),
                FirstShards.of(STREAM, StartingPosition.LATEST, Set.of("0", "1", "2")));
    }
}

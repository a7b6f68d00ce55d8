package dev.weir.kinesis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Shard;

class OpenAtPositionShardsTest {

    private static Shard shard(String id, String parent, String adjacentParent) {
        return Shard.builder().shardId(id).parentShardId(parent).adjacentParentShardId(adjacentParent).build();
    }

    @Test
    void childrenListedBesideTheirParentAreDropped() {
        Shard parent = shard("0", null, null);
        Shard left = shard("1", "0", null);
        Shard right = shard("2", "0", null);
        assertEquals(List.of(parent), OpenAtPositionShards.withoutChildrenOfListed(List.of(parent, left, right)));
    }

    @Test
    void aMergedShardListedBesideOneOfItsParentsIsDropped() {
        Shard a = shard("1", null, null);
        Shard b = shard("2", null, null);
        Shard merged = shard("3", "2", "1");
        assertEquals(List.of(a, b), OpenAtPositionShards.withoutChildrenOfListed(List.of(a, b, merged)));
        assertEquals(List.of(a), OpenAtPositionShards.withoutChildrenOfListed(List.of(a, merged)));
    }

    @Test
    void childrenWhoseParentsAreNotListedStay() {
        // what Kinesis returns once the parent is past the trim horizon
        Shard left = shard("1", "0", null);
        Shard right = shard("2", "0", null);
        assertEquals(List.of(left, right), OpenAtPositionShards.withoutChildrenOfListed(List.of(left, right)));
    }
}

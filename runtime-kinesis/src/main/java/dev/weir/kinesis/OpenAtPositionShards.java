package dev.weir.kinesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardFilter;
import software.amazon.awssdk.services.kinesis.model.ShardFilterType;
import software.amazon.kinesis.common.StreamIdentifier;
import software.amazon.kinesis.leases.ShardDetector;

/**
 * The Kinesis Client Library's shard listing, with one correction: a listing filtered to the shards open at a position
 * ({@code AT_TRIM_HORIZON}, {@code AT_LATEST}, {@code AT_TIMESTAMP}) never holds a shard together with its parent.
 *
 * <p>Kinesis itself never returns both: a parent and its child are not open at the same instant. kinesis-local (the
 * Kinesis-compatible server the tests and {@code weir run} use) returns, for {@code AT_TRIM_HORIZON}, every shard of
 * the stream after a split or merge, the children beside their parent. The library, which lists with that filter
 * while its lease table is empty, then finds overlapping hash ranges and refuses to start, forever ("Hash range of
 * shards returned … was incomplete"): a job whose stream was resharded before its first start never reads. Dropping
 * the shards whose parent is in the same listing gives the answer Kinesis gives; the children are leased when their
 * parents end, as usual. On Kinesis this changes nothing.
 */
final class OpenAtPositionShards implements ShardDetector {

    private static final Set<ShardFilterType> AT_A_POSITION =
            Set.of(ShardFilterType.AT_TRIM_HORIZON, ShardFilterType.AT_LATEST, ShardFilterType.AT_TIMESTAMP);

    private final ShardDetector delegate;

    OpenAtPositionShards(ShardDetector delegate) {
        this.delegate = delegate;
    }

    /** The shards of {@code shards} whose parents are not among them, in a list the caller may sort (the library does). */
    static List<Shard> withoutChildrenOfListed(List<Shard> shards) {
        Set<String> listed = shards.stream().map(Shard::shardId).collect(Collectors.toSet());
        return shards.stream()
                .filter(s -> !listed.contains(s.parentShardId()) && !listed.contains(s.adjacentParentShardId()))
                .collect(Collectors.toCollection(ArrayList::new));
    }

    @Override
    public List<Shard> listShardsWithFilter(ShardFilter filter) {
        return corrected(filter, delegate.listShardsWithFilter(filter));
    }

    @Override
    public List<Shard> listShardsWithFilter(ShardFilter filter, String streamName) {
        return corrected(filter, delegate.listShardsWithFilter(filter, streamName));
    }

    private static List<Shard> corrected(ShardFilter filter, List<Shard> shards) {
        return shards == null || filter == null || !AT_A_POSITION.contains(filter.type())
                ? shards : withoutChildrenOfListed(shards);
    }

    @Override
    public Shard shard(String shardId) {
        return delegate.shard(shardId);
    }

    @Override
    public List<Shard> listShards() {
        return delegate.listShards();
    }

    @Override
    public List<Shard> listShards(String streamName) {
        return delegate.listShards(streamName);
    }

    @Override
    public List<Shard> listShardsWithoutConsumingResourceNotFoundException() {
        return delegate.listShardsWithoutConsumingResourceNotFoundException();
    }

    @Override
    public List<Shard> listShardsWithoutConsumingResourceNotFoundException(String streamName) {
        return delegate.listShardsWithoutConsumingResourceNotFoundException(streamName);
    }

    @Override
    public StreamIdentifier streamIdentifier() {
        return delegate.streamIdentifier();
    }

    @Override
    public ListShardsResponse getListShardsResponse(ListShardsRequest request) throws Exception {
        return delegate.getListShardsResponse(request);
    }

    @Override
    public List<ChildShard> getChildShards(String shardId)
            throws InterruptedException, ExecutionException, TimeoutException {
        return delegate.getChildShards(shardId);
    }
}

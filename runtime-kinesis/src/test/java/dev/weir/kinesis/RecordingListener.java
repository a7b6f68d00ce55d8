package dev.weir.kinesis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * A {@link ShardListener} that keeps what it is told, in the order it is told: shard events and records in one list,
 * so a test can see what came before what. It checkpoints each batch when given its source, can report a restored
 * position per shard, and can hold the first batch until released.
 */
final class RecordingListener implements ShardListener {

    enum Kind { STARTED, RECORD, ENDED, STOPPED, SOURCE_STOPPED }

    record Event(Kind kind, String shardId, String data) {
    }

    private final List<Event> events = new ArrayList<>();
    private final Set<String> shards = ConcurrentHashMap.newKeySet();
    private volatile KinesisSource source;
    private volatile Function<String, Optional<ShardPosition>> restored = shardId -> Optional.empty();
    private volatile CountDownLatch hold;
    private final Map<String, Integer> batches = new ConcurrentHashMap<>();

    /** Checkpoints every batch's last record in the source's lease table. */
    RecordingListener checkpointingTo(KinesisSource source) {
        this.source = source;
        return this;
    }

    /** What {@link #shardStarted} answers: the position the engine's own checkpoint would hold. */
    RecordingListener restoring(Function<String, Optional<ShardPosition>> restored) {
        this.restored = restored;
        return this;
    }

    /** Blocks the shard threads in {@link #records} until {@link #release()}. */
    RecordingListener holding() {
        hold = new CountDownLatch(1);
        return this;
    }

    void release() {
        hold.countDown();
    }

    @Override
    public Optional<ShardPosition> shardStarted(String shardId, Optional<ShardPosition> leaseCheckpoint) {
        shards.add(shardId);
        add(new Event(Kind.STARTED, shardId, null));
        return restored.apply(shardId);
    }

    @Override
    public void records(RecordBatch batch) throws InterruptedException {
        batches.merge(batch.shardId(), 1, Integer::sum);
        CountDownLatch gate = hold;
        if (gate != null && !batch.records().isEmpty()) {
            gate.await();
        }
        for (KinesisRecord record : batch.records()) {
            add(new Event(Kind.RECORD, batch.shardId(), new String(record.data(), StandardCharsets.UTF_8)));
        }
        KinesisSource checkpointed = source;
        if (checkpointed != null && !batch.records().isEmpty()) {
            checkpointed.checkpoint(batch.shardId(), batch.records().get(batch.records().size() - 1).position());
        }
    }

    @Override
    public CompletionStage<?> shardEnded(String shardId) {
        shards.remove(shardId);
        add(new Event(Kind.ENDED, shardId, null));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void shardStopped(String shardId) {
        shards.remove(shardId);
        add(new Event(Kind.STOPPED, shardId, null));
    }

    @Override
    public void sourceStopped(KinesisException failure) {
        add(new Event(Kind.SOURCE_STOPPED, null, failure.getMessage()));
    }

    private synchronized void add(Event event) {
        events.add(event);
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** The payloads delivered, in delivery order (across shards, interleaved). */
    List<String> data() {
        return events().stream().filter(event -> event.kind() == Kind.RECORD).map(Event::data).toList();
    }

    /** The shards this listener has been started on and not yet told ended or stopped. */
    Set<String> shards() {
        return Set.copyOf(shards);
    }

    /** How many batches, empty ones included, the shard has delivered. */
    int batches(String shardId) {
        return batches.getOrDefault(shardId, 0);
    }

    List<String> shardsWith(Kind kind) {
        List<String> found = new ArrayList<>();
        for (Event event : events()) {
            if (event.kind() == kind && !found.contains(event.shardId())) {
                found.add(event.shardId());
            }
        }
        return found;
    }
}

package dev.weir.kinesis;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What a {@link KinesisSource} tells its user, the engine, about the shards this worker holds. Each shard's calls
 * come on that shard's own thread, in order: {@link #shardStarted}, then {@link #records} any number of times, then
 * either {@link #shardEnded} or {@link #shardStopped}. Calls for different shards come concurrently.
 */
public interface ShardListener {

    /**
     * This worker now reads the shard. A child shard of a split or merge is only started once every parent has
     * {@linkplain #shardEnded ended} and its end has been checkpointed, on whichever worker read it.
     *
     * @param leaseCheckpoint where the Kinesis Client Library's lease table says the shard was checkpointed (records
     *                        after it follow); empty when the shard is read from the job's starting position
     * @return the last position the engine has already processed and keeps in its own checkpoint (records at or
     *         before it are skipped, so that none is counted twice after a restore), or empty to take every record
     */
    Optional<ShardPosition> shardStarted(String shardId, Optional<ShardPosition> leaseCheckpoint);

    /**
     * The next records of the shard. May block: the source then stops reading the shard once its small read-ahead
     * buffer is full, so a slow consumer holds back the reads instead of filling the heap.
     */
    void records(RecordBatch batch) throws InterruptedException;

    /**
     * Every record of the shard has been delivered; it was split or merged and its children wait for it. The source
     * writes the shard's end to the lease table, which lets the children start, when the returned stage completes:
     * the engine completes it once its own checkpoint holds the shard's last records.
     */
    CompletionStage<?> shardEnded(String shardId);

    /**
     * This worker no longer reads the shard: another took its lease, or the source is closing. Records after the
     * last {@linkplain KinesisSource#checkpoint checkpointed} position will be read again by the next owner.
     */
    void shardStopped(String shardId);

    /**
     * The source stopped reading on its own, before {@link KinesisSource#close()}: no shard starts or delivers in
     * this process again. Comes once, on the source's worker thread.
     */
    void sourceStopped(KinesisException failure);
}

package dev.weir.kinesis;

import java.time.Duration;

/**
 * How a {@link KinesisSource} reads its stream.
 *
 * @param applicationName  names the lease tables in DynamoDB ({@code NAME}, {@code NAME-CoordinatorState},
 *                         {@code NAME-WorkerMetricStats}); workers with the same name share the stream's shards
 * @param stream           the stream to read
 * @param workerId         this worker among those of the application (the pod's name)
 * @param startingPosition where a shard without a checkpoint is read from
 * @param leaseDuration    how long a worker's lease on a shard lasts without renewal: after it, another worker takes
 *                         the shard of a worker that died
 * @param leaderLease      how long the lease of the worker that assigns shards lasts without renewal (when it dies,
 *                         no shard moves before another worker becomes leader)
 * @param shardSyncInterval how often the shard list is read, so that new shards are found
 * @param parentPollInterval how often a child shard looks whether its parents have ended
 * @param caughtUpPollInterval how often a shard that is read to its end is polled (a shard behind is read every
 *                         {@value #MIN_READ_INTERVAL_MILLIS} ms, Kinesis' limit of 5 reads a second per shard)
 * @param maxRecordsPerRead at most this many records per read (GetRecords) of a shard
 * @param readAhead        reads of a shard kept ready while the listener is busy with the current batch: with
 *                         {@code maxRecordsPerRead} this bounds the memory a slow listener lets the source fill
 * @param shutdownTimeout  how long {@link KinesisSource#close()} waits for the shards to stop
 */
public record KinesisSourceSettings(String applicationName, String stream, String workerId, StartingPosition startingPosition,
                                    Duration leaseDuration, Duration leaderLease, Duration shardSyncInterval,
                                    Duration parentPollInterval, Duration caughtUpPollInterval, int maxRecordsPerRead,
                                    int readAhead, Duration shutdownTimeout) {

    public enum StartingPosition { TRIM_HORIZON, LATEST }

    public static final long MIN_READ_INTERVAL_MILLIS = 200;
    /** Kinesis returns at most 10,000 records per GetRecords. */
    public static final int MAX_RECORDS_PER_READ = 10_000;
    /** The Kinesis Client Library keeps at most 5 reads of a shard ready. */
    public static final int MAX_READ_AHEAD = 5;

    public KinesisSourceSettings {
        if (maxRecordsPerRead < 1 || maxRecordsPerRead > MAX_RECORDS_PER_READ) {
            throw new IllegalArgumentException("maxRecordsPerRead must be between 1 and " + MAX_RECORDS_PER_READ
                    + ", was " + maxRecordsPerRead);
        }
        if (readAhead < 1 || readAhead > MAX_READ_AHEAD) {
            throw new IllegalArgumentException("readAhead must be between 1 and " + MAX_READ_AHEAD + ", was " + readAhead);
        }
        if (caughtUpPollInterval.toMillis() < MIN_READ_INTERVAL_MILLIS) {
            throw new IllegalArgumentException("caughtUpPollInterval must be at least " + MIN_READ_INTERVAL_MILLIS
                    + "ms (Kinesis allows 5 reads a second per shard), was " + caughtUpPollInterval);
        }
    }

    /** The Kinesis Client Library's timings, a second between polls of a caught-up shard, 1,000 records a read. */
    public static KinesisSourceSettings defaults(String applicationName, String stream, String workerId) {
        return new KinesisSourceSettings(applicationName, stream, workerId, StartingPosition.TRIM_HORIZON,
                Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofMinutes(1), Duration.ofSeconds(10),
                Duration.ofSeconds(1), 1_000, 2, Duration.ofSeconds(30));
    }

    public KinesisSourceSettings withStartingPosition(StartingPosition startingPosition) {
        return new KinesisSourceSettings(applicationName, stream, workerId, startingPosition, leaseDuration, leaderLease,
                shardSyncInterval, parentPollInterval, caughtUpPollInterval, maxRecordsPerRead, readAhead, shutdownTimeout);
    }

    /** Shorter leases, shard syncs and parent polls: what tests on a local server use so shards move in seconds. */
    public KinesisSourceSettings withTimings(Duration leaseDuration, Duration leaderLease, Duration shardSyncInterval,
                                             Duration parentPollInterval) {
        return new KinesisSourceSettings(applicationName, stream, workerId, startingPosition, leaseDuration, leaderLease,
                shardSyncInterval, parentPollInterval, caughtUpPollInterval, maxRecordsPerRead, readAhead, shutdownTimeout);
    }

    public KinesisSourceSettings withReads(Duration caughtUpPollInterval, int maxRecordsPerRead, int readAhead) {
        return new KinesisSourceSettings(applicationName, stream, workerId, startingPosition, leaseDuration, leaderLease,
                shardSyncInterval, parentPollInterval, caughtUpPollInterval, maxRecordsPerRead, readAhead, shutdownTimeout);
    }
}

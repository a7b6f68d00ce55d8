package dev.weir.kinesis;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.exceptions.InvalidStateException;
import software.amazon.kinesis.exceptions.KinesisClientLibDependencyException;
import software.amazon.kinesis.exceptions.ShutdownException;
import software.amazon.kinesis.exceptions.ThrottlingException;
import software.amazon.kinesis.leases.KinesisShardDetector;
import software.amazon.kinesis.leases.LeaseAssignmentStrategy;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.processor.RecordProcessorCheckpointer;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.kpl.ExtendedSequenceNumber;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * Reads one Kinesis stream with the Kinesis Client Library: shards are leased in DynamoDB and spread over the
 * workers of the application, children of a split or merge are read only after their parents ended, and each shard's
 * records go to a {@link ShardListener} on that shard's thread.
 *
 * <p>The Kinesis Client Library's checkpoint in the lease table is written only when the caller says so, with
 * {@link #checkpoint}: the engine first keeps the position in its own checkpoint with the window state, then here
 * (docs/kinesis.md).
 */
public final class KinesisSource implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KinesisSource.class);
    /** How many workers are made in all when each ends before taking a shard. */
    static final int WORKER_STARTS = 4;

    private final KinesisSourceSettings settings;
    private final ShardListener listener;
    private final KinesisClients clients;
    /** The library's worker: replaced when one ends before it ever took a shard (see {@link #runWorker}). */
    private volatile Scheduler scheduler;
    /** Whether a shard has started on the current worker. */
    private volatile boolean shardTaken;
    private final Thread schedulerThread;
    /** The checkpointer of each shard this worker reads, from its latest batch. */
    private final Map<String, RecordProcessorCheckpointer> checkpointers = new ConcurrentHashMap<>();
    /** Set by {@link #close()}: the worker loop ending after it is the stop asked for. */
    private volatile boolean closing;

    public KinesisSource(KinesisSourceSettings settings, KinesisClients clients, ShardListener listener) {
        this.settings = settings;
        this.listener = listener;
        this.clients = clients;
        this.scheduler = newScheduler();
        this.schedulerThread = new Thread(this::runWorker, "kinesis-source-" + settings.workerId());
        schedulerThread.setDaemon(true);
    }

    /** A new worker of the library, with the settings; made again when one could not initialize. */
    private Scheduler newScheduler() {
        ConfigsBuilder configs = new ConfigsBuilder(settings.stream(), settings.applicationName(), clients.kinesis(),
                clients.dynamoDb(), clients.cloudWatch(), settings.workerId(), ShardProcessor::new);
        PollingConfig polling = new PollingConfig(settings.stream(), clients.kinesis())
                .idleTimeBetweenReadsInMillis(KinesisSourceSettings.MIN_READ_INTERVAL_MILLIS)
                // a shard less than this far behind is caught up: it is read once per interval instead of 5 times a second
                .millisBehindLatestThresholdForReducedTps(settings.caughtUpPollInterval().toMillis())
                .maxRecords(settings.maxRecordsPerRead())
                .maxPendingProcessRecordsInput(settings.readAhead());
        long leaderLease = settings.leaderLease().toMillis();
        LeaseManagementConfig leases = configs.leaseManagementConfig()
                .failoverTimeMillis(settings.leaseDuration().toMillis())
                .shardSyncIntervalMillis(settings.shardSyncInterval().toMillis())
                .dynamoDbLockBasedLeaderLeaseDurationInMillis(leaderLease)
                .dynamoDbLockBasedLeaderHeartbeatPeriodInMillis(leaderLease / 4)
                // an even share of shards per pod, as Kafka assigns partitions: a pod that joins idle gets its share
                // (by load, shards would stay where they are until the pods' CPU differs)
                .leaseAssignmentStrategy(LeaseAssignmentStrategy.LEASE_COUNT_BASED);
        // kinesis-local lists a resharded stream's children beside their parent (OpenAtPositionShards)
        leases.customShardDetectorProvider(stream -> new OpenAtPositionShards(new KinesisShardDetector(
                clients.kinesis(), stream.streamIdentifier(), leases.listShardsBackoffTimeInMillis(),
                leases.maxListShardsRetryAttempts(), leases.listShardsCacheAllowedAgeInSeconds(),
                leases.maxCacheMissesBeforeReload(), leases.cacheMissWarningModulus(),
                leases.dynamoDbRequestTimeout())));
        // a worker counts for the leader once it has reported; report as often as leases are renewed, not every 30 s
        leases.workerUtilizationAwareAssignmentConfig().workerMetricsReporterFreqInMillis(settings.leaseDuration().toMillis());
        return new Scheduler(
                configs.checkpointConfig(),
                configs.coordinatorConfig().parentShardPollIntervalMillis(settings.parentPollInterval().toMillis()),
                leases,
                configs.lifecycleConfig(),
                // the engine publishes its own metrics; the library's would be CloudWatch calls per shard
                configs.metricsConfig().metricsLevel(MetricsLevel.NONE),
                // empty reads too: they tell the engine a shard is idle, so its watermark can move on
                configs.processorConfig().callProcessRecordsEvenForEmptyRecordList(true),
                configs.retrievalConfig()
                        .retrievalSpecificConfig(polling)
                        .initialPositionInStreamExtended(InitialPositionInStreamExtended.newInitialPosition(
                                InitialPositionInStream.valueOf(settings.startingPosition().name()))));
    }

    /**
     * The library's worker loop. It also ends on its own when it cannot initialize: its lease tables unreachable, or
     * a coordinator state it could not create, as when workers of the application start at the same moment against
     * moto. A worker that ended before taking any shard is made again, after a pause of a few seconds, up to
     * {@link #WORKER_STARTS} times in all; after that, or once it had read, no shard is read again in this process,
     * and the listener hears it ({@link ShardListener#sourceStopped}) so that the engine fails instead of running on
     * without input (the pod's liveness then restarts it).
     */
    private void runWorker() {
        RuntimeException failure = null;
        for (int start = 1; ; start++) {
            failure = null;
            try {
                scheduler.run();
            } catch (RuntimeException e) {
                failure = e;
            }
            if (closing || shardTaken || start == WORKER_STARTS) {
                break;
            }
            LOG.warnf("Kinesis worker %s of %s ended before taking a shard (start %d of %d); starting a new one",
                    settings.workerId(), settings.applicationName(), start, WORKER_STARTS);
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(1_000, 4_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            synchronized (this) {
                if (closing) {
                    break;
                }
                scheduler = newScheduler();
            }
        }
        if (!closing) {
            listener.sourceStopped(new KinesisException("the Kinesis Client Library's worker " + settings.workerId()
                    + " of application " + settings.applicationName() + " stopped reading stream " + settings.stream()
                    + " on its own (see its errors above: it could not initialize its leases)", failure));
        }
    }

    /** Starts taking shards; returns at once. */
    public void start() {
        LOG.infof("Reading Kinesis stream %s as worker %s of %s", settings.stream(), settings.workerId(),
                settings.applicationName());
        schedulerThread.start();
    }

    /**
     * Writes the shard's position to the lease table: a worker that takes the shard later reads the records after it.
     * Call it only with the position of a record delivered to {@link ShardListener#records}, once the engine's own
     * checkpoint holds it.
     *
     * @return false when this worker no longer reads the shard (its lease went to another worker, or the source is
     *         closing): nothing was written, and the next owner will skip what the engine's checkpoint holds
     * @throws KinesisException when the lease table could not be written; the next checkpoint tries again
     */
    public boolean checkpoint(String shardId, ShardPosition position) {
        RecordProcessorCheckpointer checkpointer = checkpointers.get(shardId);
        if (checkpointer == null) {
            return false;
        }
        try {
            checkpointer.checkpoint(position.sequenceNumber(), position.subSequenceNumber());
            return true;
        } catch (ShutdownException e) {
            checkpointers.remove(shardId, checkpointer);
            return false;
        } catch (InvalidStateException | KinesisClientLibDependencyException | ThrottlingException e) {
            throw new KinesisException("checkpointing shard " + shardId + " of stream " + settings.stream() + " at "
                    + position + " in lease table " + settings.applicationName() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Stops reading: each shard is stopped ({@link ShardListener#shardStopped}), and its lease is left to expire, so
     * other workers of the application take the shards after {@link KinesisSourceSettings#leaseDuration()}.
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        if (schedulerThread.getState() == Thread.State.NEW) {
            return; // never started: no worker to stop, nor a lease to leave
        }
        long timeout = settings.shutdownTimeout().toMillis();
        try {
            if (!scheduler.startGracefulShutdown().get(timeout, TimeUnit.MILLISECONDS)) {
                LOG.warnf("Kinesis worker %s did not stop gracefully; stopping it now", settings.workerId());
                scheduler.shutdown();
            }
        } catch (TimeoutException | ExecutionException e) {
            LOG.warnf(e, "Kinesis worker %s did not stop gracefully within %d ms; stopping it now", settings.workerId(), timeout);
            scheduler.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.shutdown();
        }
        try {
            schedulerThread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<ShardPosition> position(ExtendedSequenceNumber checkpoint) {
        return checkpoint == null || checkpoint.isSentinelCheckpoint()
                ? Optional.empty()
                : Optional.of(new ShardPosition(checkpoint.sequenceNumber(), checkpoint.subSequenceNumber()));
    }

    /** One shard's records, on the thread the library gives that shard. */
    private final class ShardProcessor implements ShardRecordProcessor {

        private String shardId;
        private Optional<ShardPosition> processedThrough = Optional.empty();

        @Override
        public void initialize(InitializationInput input) {
            shardTaken = true;
            shardId = input.shardId();
            Optional<ShardPosition> leaseCheckpoint = position(input.extendedSequenceNumber());
            processedThrough = listener.shardStarted(shardId, leaseCheckpoint);
            LOG.debugf("Shard %s started at %s, skipping through %s", shardId, leaseCheckpoint, processedThrough);
        }

        @Override
        public void processRecords(ProcessRecordsInput input) {
            checkpointers.put(shardId, input.checkpointer());
            List<KinesisRecord> records = new ArrayList<>(input.records().size());
            for (KinesisClientRecord record : input.records()) {
                ShardPosition position = new ShardPosition(record.sequenceNumber(), record.subSequenceNumber());
                if (processedThrough.isEmpty() || position.compareTo(processedThrough.get()) > 0) {
                    records.add(new KinesisRecord(shardId, position, record.approximateArrivalTimestamp(),
                            record.partitionKey(), bytes(record.data())));
                }
            }
            Long behind = input.millisBehindLatest();
            try {
                listener.records(new RecordBatch(shardId, records,
                        behind == null ? OptionalLong.empty() : OptionalLong.of(behind)));
            } catch (InterruptedException e) {
                // the library is stopping this shard; its records after the last checkpoint are read again
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void leaseLost(LeaseLostInput input) {
            if (closing) {
                LOG.debugf("Kinesis worker %s let go of shard %s of %s while stopping", settings.workerId(), shardId,
                        settings.stream());
            } else {
                LOG.warnf("Kinesis worker %s lost its lease on shard %s of %s (another worker took it, or renewing it"
                        + " failed); what it read after its last checkpoint is read again by the next holder",
                        settings.workerId(), shardId, settings.stream());
            }
            checkpointers.remove(shardId);
            listener.shardStopped(shardId);
        }

        @Override
        public void shardEnded(ShardEndedInput input) {
            checkpointers.remove(shardId);
            try {
                listener.shardEnded(shardId).toCompletableFuture().get();
                // SHARD_END in the lease table: what lets the library start the children
                input.checkpointer().checkpoint();
            } catch (InterruptedException e) {
                // stopping: without SHARD_END the library ends the shard again when it is next taken
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new KinesisException("the engine failed to keep the end of shard " + shardId + ": "
                        + e.getCause().getMessage(), e.getCause());
            } catch (ShutdownException | InvalidStateException e) {
                throw new KinesisException("checkpointing the end of shard " + shardId + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {
            // Nothing to write here: the engine checkpoints on its own schedule, and the next owner skips what it holds.
        }

        private static byte[] bytes(ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            return bytes;
        }
    }
}

package dev.weir.kinesis.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import dev.weir.api.TracingSpec;
import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.LocalFiles;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.KinesisClients;
import dev.weir.kinesis.KinesisException;
import dev.weir.kinesis.KinesisRecord;
import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.KinesisSource;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.RecordBatch;
import dev.weir.kinesis.RejectedRecord;
import dev.weir.kinesis.ShardListener;
import dev.weir.kinesis.ShardPosition;
import dev.weir.kinesis.SinkRecord;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.Engine;
import dev.weir.runtime.pipeline.Ingest;
import dev.weir.runtime.pipeline.JobStreams;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.RecordRejected;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.SortedMapStore;
import dev.weir.runtime.pipeline.SourcePosition;
import dev.weir.runtime.pipeline.TraceField;
import dev.weir.runtime.pipeline.WatermarkTracker;
import dev.weir.runtime.pipeline.WindowOperator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The Kinesis engine of a job that runs on several pods (docs/kinesis.md, "The shuffle"). Two stages, each read with
 * the Kinesis Client Library and spread over the job's pods by its leases:
 * <ul>
 *   <li><b>source tasks</b>, one per source shard: every record through the job's {@link Ingest} step; keyed records
 *   go to the job's shuffle stream, to the shuffle shard of their window key, each carrying its source shard's largest
 *   event time so far and the position of the record that shard sent to the same shuffle shard before it; passed
 *   records and dead letters are written at once. Every {@link ShuffleSettings#progressInterval()}, and when a shard
 *   ends, each source task tells every shuffle shard its progress.</li>
 *   <li><b>window tasks</b>, one per shuffle shard: the window stage, whose watermark is the smallest over the source
 *   shards of their largest event time, as the single-process engine's. A source shard's envelopes are applied in
 *   their chain's order (the puts may land out of order), and what was applied already is dropped: each record
 *   reaches its window once, in its source order, so its lateness is decided exactly as one process would.</li>
 * </ul>
 * Both checkpoint to the job's checkpoint store, then to the lease table: a source task its shard's position, its
 * largest event time and the chain's last position per shuffle shard; a window task its window state, each source
 * shard's last applied position and largest event time, and its position in the shuffle shard.
 *
 * <p>A job without a window has source tasks only: no shuffle stream, no window application; each record's result
 * (the record as mapped, or its dead letter) is written by the source task that read it, and the task's checkpoint is
 * its shard's position. Only the sink may see a record again, after a crash.
 */
public final class KinesisShuffleEngine implements KinesisJobEngine {
    /** The checkpoint store's task id of a source shard's task: this prefix and the shard id. */
    static final String SOURCE_TASK = KinesisLayout.SOURCE_TASK_PREFIX;
    /** The checkpoint store's task id of a shuffle shard's window task: this prefix and the shard id. */
    static final String WINDOW_TASK = KinesisLayout.WINDOW_TASK_PREFIX;
    private static final Logger LOG = Logger.getLogger(KinesisShuffleEngine.class);
    /** How long a task whose lease was lost is kept at least, in case its lease comes back (see {@link Parked}). */
    static final java.time.Duration PARKED_FOR = java.time.Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CompiledJob job;
    private final Ingest ingest;
    private final RecordListener listener;
    private final JobStreams streams;
    private final TraceField traceField;
    private final KinesisEngineSettings settings;
    private final ShuffleSettings shuffle;
    private final KinesisClients clients;
    private final TaskCheckpoints checkpoints;
    /** The savepoints of {@code spec.restoreFrom}, for tasks this job has no checkpoint of yet. */
    private final Optional<TaskCheckpoints> restoreFrom;
    /** The window tasks' state in {@link #restoreFrom}, read once, by shuffle shard id; loaded by the source tasks. */
    private Map<String, Optional<WindowState>> savedWindows;
    private final Path stateDir;
    private final long idleTimeoutMs;
    private final KinesisSink sink;
    private final KinesisSink deadLetterSink;
    private final KinesisSink shuffleSink;
    private final KinesisSourceSettings sourceReads;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final SourceTasks sourceTasks;
    private final WindowTasks windowTasks;
    /** The shuffle stream's shards in hash key order: a window key's shard is its hash modulo their count. */
    private List<Shard> shuffleShards;
    private KinesisSource sourceReader;
    private KinesisSource shuffleReader;
    private volatile String failure;
    private volatile boolean running;

    /**
     * @param checkpoints where the tasks keep their state: a job on several pods needs it, to move a task's state with
     *                    its shard
     */
    public KinesisShuffleEngine(StreamJob job, KinesisEngineSettings settings, ShuffleSettings shuffle,
                                KinesisClients clients, RecordListener listener, TaskCheckpoints checkpoints,
                                Path stateDir) {
        this(job, settings, shuffle, clients, listener, checkpoints, Optional.empty(), stateDir);
    }

    /**
     * @param restoreFrom the savepoints of another job on several pods ({@code spec.restoreFrom}), for the tasks this
     *                    job has no checkpoint of yet; that job's shuffle stream had as many shards as this one's
     */
    public KinesisShuffleEngine(StreamJob job, KinesisEngineSettings settings, ShuffleSettings shuffle,
                                KinesisClients clients, RecordListener listener, TaskCheckpoints checkpoints,
                                Optional<TaskCheckpoints> restoreFrom, Path stateDir) {
        this.job = CompiledJob.compile(job.getSpec());
        this.ingest = new Ingest(this.job);
        this.listener = listener;
        this.streams = JobStreams.of(job.getSpec());
        this.traceField = new TraceField(TracingSpec.payloadFieldOf(job.getSpec().tracing));
        this.settings = settings;
        this.shuffle = shuffle;
        this.clients = clients;
        this.checkpoints = checkpoints;
        this.restoreFrom = restoreFrom;
        this.stateDir = stateDir;
        this.idleTimeoutMs = this.job.idleTimeout() == null ? Long.MAX_VALUE : this.job.idleTimeout().toMillis();
        KinesisSourceSettings read = settings.source();
        if (job.getSpec().source.kinesis.startingPosition != null) {
            read = read.withStartingPosition(KinesisSourceSettings.StartingPosition.valueOf(
                    job.getSpec().source.kinesis.startingPosition.name()));
        }
        this.sourceReads = read;
        this.sink = new KinesisSink(clients.kinesis(), streams.sink(), settings.sink());
        this.deadLetterSink = new KinesisSink(clients.kinesis(), streams.deadLetter(), settings.sink());
        this.shuffleSink = new KinesisSink(clients.kinesis(), shuffle.stream(), settings.sink());
        this.sourceTasks = new SourceTasks();
        this.windowTasks = new WindowTasks();
    }

    @Override
    public void start() throws CheckpointException {
        if (checkpoints.list().stream().anyMatch(c -> c.taskId().equals(KinesisEngine.TASK_ID))) {
            throw new IllegalStateException("the checkpoints at " + checkpoints.jobLocation() + " hold the window"
                    + " state of this job on one pod (task " + KinesisEngine.TASK_ID + "); on several pods its windows"
                    + " are kept per shuffle shard, which cannot start from that state: run the job on one pod"
                    + " (replicas 1, scaling.maxReplicas 1), or give it a new name to start with empty windows");
        }
        if (job.window() == null) {
            // nothing to shuffle: the source tasks write every record's result themselves
            shuffleShards = List.of();
        } else {
            ensureShuffleStream();
            shuffleShards = clients.shards(shuffle.stream()).stream()
                    .filter(shard -> shard.sequenceNumberRange().endingSequenceNumber() == null)
                    .sorted(Comparator.comparing(shard -> new BigInteger(shard.hashKeyRange().startingHashKey())))
                    .toList();
            if (restoreFrom.isPresent()) {
                checkSavepointLayout(restoreFrom.get());
            }
            KinesisSourceSettings windows = new KinesisSourceSettings(
                    KinesisLayout.windowsApplication(sourceReads.applicationName()), shuffle.stream(),
                    sourceReads.workerId(), KinesisSourceSettings.StartingPosition.TRIM_HORIZON,
                    sourceReads.leaseDuration(), sourceReads.leaderLease(), sourceReads.shardSyncInterval(),
                    sourceReads.parentPollInterval(), sourceReads.caughtUpPollInterval(),
                    sourceReads.maxRecordsPerRead(), sourceReads.readAhead(), sourceReads.shutdownTimeout());
            shuffleReader = new KinesisSource(windows, clients, windowTasks);
        }
        sourceReader = new KinesisSource(sourceReads, clients, sourceTasks);
        running = true;
        if (shuffleReader != null) {
            shuffleReader.start();
        }
        sourceReader.start();
    }

    /**
     * Refuses savepoints this job cannot start from: one pod's (its windows are one task, not one per shuffle shard),
     * or window tasks of another shuffle shard count (a window key's task is its hash modulo that count).
     */
    private void checkSavepointLayout(TaskCheckpoints savepoints) throws CheckpointException {
        Set<String> saved = new HashSet<>();
        for (CheckpointInfo info : savepoints.list()) {
            if (info.taskId().equals(KinesisEngine.TASK_ID)) {
                throw new IllegalStateException("spec.restoreFrom names savepoints at " + savepoints.jobLocation()
                        + " of a job that ran on one pod (task " + KinesisEngine.TASK_ID + "); this job runs on "
                        + "several, with windows kept per shuffle shard: restore it on one pod (replicas 1,"
                        + " scaling.maxReplicas 1)");
            }
            if (info.taskId().startsWith(WINDOW_TASK)) {
                saved.add(info.taskId().substring(WINDOW_TASK.length()));
            }
        }
        Set<String> mine = new HashSet<>();
        shuffleShards.forEach(shard -> mine.add(shard.shardId()));
        if (!saved.isEmpty() && !mine.containsAll(saved)) {
            throw new IllegalStateException("spec.restoreFrom names savepoints at " + savepoints.jobLocation()
                    + " with window tasks for shuffle shards " + new java.util.TreeSet<>(saved) + ", but this job's"
                    + " shuffle stream " + shuffle.stream() + " has " + shuffleShards.size() + " shards: give this job"
                    + " the most pods (spec.replicas or spec.scaling.maxReplicas) the saved job had");
        }
    }

    /**
     * Completes once every source shard's input has ended and every window task wrote what that led to; a job
     * without a window has no window task to say so, and it does not complete.
     */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    @Override
    public Health health() {
        String failed = failure;
        if (failed != null) {
            return new Health(false, failed);
        }
        String how = job.window() == null ? " with a task per shard" : " through " + shuffle.stream();
        return new Health(running, running ? "reading " + streams.source() + how : "stopped");
    }

    @Override
    public CompletionStage<String> savepoint() {
        try {
            List<String> ids = new ArrayList<>(sourceTasks.checkpoint(true));
            ids.addAll(windowTasks.checkpoint(true));
            return CompletableFuture.completedFuture(String.join(",", ids));
        } catch (RuntimeException | CheckpointException | IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Keeps where every task is as a savepoint, then stops reading: a pod stopped by a suspend, a scale or a roll
     * leaves its tasks' state for the pods that take its shards.
     */
    @Override
    public void close() {
        running = false;
        if (failure == null) {
            try {
                sourceTasks.stop();
                windowTasks.stop();
                LOG.infof("stopped: source and window tasks of %s saved", streams.source());
            } catch (RuntimeException | CheckpointException | IOException e) {
                LOG.warnf("the savepoint at shutdown failed (%s): the next owners resume from the last checkpoints",
                        e.getMessage());
            }
        }
        if (sourceReader != null) {
            sourceReader.close();
        }
        if (shuffleReader != null) {
            shuffleReader.close();
        }
        drained.completeExceptionally(new IllegalStateException("the engine stopped"));
    }

    /** Records taken from the source so far (end-of-input markers not counted). */
    public long processed() {
        return sourceTasks.processed;
    }

    /** The wall-clock time of the last source batch that held records, in epoch milliseconds. */
    public long lastProcessedAt() {
        return sourceTasks.lastProcessedAt;
    }

    /** Metrics: how far behind the newest record each source shard's last read was, -1 when unknown. */
    public Map<String, Long> millisBehindLatest() {
        return sourceTasks.millisBehindLatest();
    }

    /**
     * Tasks whose lease this worker lost, by shard id, kept for a while in case the worker takes the lease back before
     * another writes them (a lease lost to a slow renewal often comes back at the next lease-taking round): their
     * state here is then the newest, and restoring the last checkpoint would write again what was written since. A
     * lease comes back only once it has expired and the library's leader has handed it out again (17 s with 4 s
     * leases in {@code KinesisShuffleLeaseIT}); a task kept longer than {@link #PARKED_FOR} or five lease durations
     * has most likely moved for good, and its memory is let go.
     */
    private final class Parked<T> {
        private record Kept<T>(T task, long since) {}

        private final Map<String, Kept<T>> kept = new ConcurrentHashMap<>();

        void put(String shardId, T task) {
            kept.put(shardId, new Kept<>(task, System.currentTimeMillis()));
        }

        /** The task kept for the shard, if it is still young enough to take back; the rest is let go. */
        Optional<T> take(String shardId) {
            letGoOfOld();
            return Optional.ofNullable(kept.remove(shardId)).map(Kept::task);
        }

        /** Lets go of the tasks kept too long; called with every checkpoint too, so that none stays for long. */
        void letGoOfOld() {
            if (!kept.isEmpty()) {
                long oldest = System.currentTimeMillis()
                        - Math.max(PARKED_FOR.toMillis(), 5 * sourceReads.leaseDuration().toMillis());
                kept.values().removeIf(k -> k.since() < oldest);
            }
        }
    }

    // ---- the source tasks ----

    /** One source shard's task, under the {@link SourceTasks} lock. */
    private static final class SourceShard {
        final String id;
        ShardPosition last;
        /**
         * Read again after a restore from savepoints: records up to here had their results written by the job that
         * saved them, so only their keyed records go (again) to the shuffle.
         */
        ShardPosition replayThrough;
        long max = WatermarkTracker.UNKNOWN;
        /** Per shuffle shard id: the last record of this shard sent there. */
        final Map<String, ShardPosition> lastSent = new HashMap<>();
        long lastReadMs = System.currentTimeMillis();
        long nextProgressMs;
        long millisBehindLatest = -1;
        boolean ended;
        boolean endSent;
        boolean held = true;
        /** The id of the newest checkpoint of this task that this process wrote or restored; null when none. */
        String checkpointId;

        SourceShard(String id) {
            this.id = id;
        }
    }

    /** The source state a source task checkpoints (its shard's position, largest event time and chains). */
    private record SourceState(int format, String position, long max, Map<String, String> lastSent, boolean ended) {}

    private final class SourceTasks implements ShardListener {
        private final Object lock = new Object();
        private final Map<String, SourceShard> shards = new HashMap<>();
        private final Parked<SourceShard> parked = new Parked<>();
        private final List<SinkRecord> toShuffle = new ArrayList<>();
        private final RecordOutputs outputs = outputs();
        private long nextCheckpointMs = System.currentTimeMillis() + settings.checkpointInterval().toMillis();
        private boolean stopping;
        volatile long processed;
        volatile long lastProcessedAt;

        @Override
        public Optional<ShardPosition> shardStarted(String shardId, Optional<ShardPosition> leaseCheckpoint) {
            synchronized (lock) {
                SourceShard kept = parked.take(shardId).orElse(null);
                try {
                    if (kept != null && isLatest(SOURCE_TASK + shardId, kept.checkpointId)) {
                        kept.held = true;
                        shards.put(shardId, kept);
                        LOG.infof("source shard %s of %s taken back: it resumes from its state in memory, through %s",
                                shardId, streams.source(), kept.last == null ? "nothing" : kept.last);
                        return Optional.ofNullable(kept.last);
                    }
                } catch (CheckpointException | RuntimeException e) {
                    LOG.warnf("source shard %s of %s: reading its checkpoints failed (%s); it restores from them",
                            shardId, streams.source(), e.getMessage());
                }
                SourceShard shard = new SourceShard(shardId);
                try {
                    restore(shard);
                } catch (CheckpointException | IOException | RuntimeException e) {
                    fail("restoring source shard " + shardId, e);
                    return Optional.empty();
                }
                if (shard.last != null && leaseCheckpoint.isPresent() && leaseCheckpoint.get().compareTo(shard.last) > 0) {
                    fail("source shard " + shardId + " cannot resume", new IllegalStateException("the lease table "
                            + sourceReads.applicationName() + " holds shard " + shardId + " through "
                            + leaseCheckpoint.get() + ", past the source task's checkpoint " + shard.last));
                }
                shards.put(shardId, shard);
                LOG.infof("source shard %s of %s starts (lease checkpoint %s, task checkpoint %s)", shardId,
                        streams.source(), leaseCheckpoint.map(Object::toString).orElse("none"),
                        shard.last == null ? "none" : shard.last);
                return Optional.ofNullable(shard.last);
            }
        }

        @Override
        public void records(RecordBatch batch) {
            if (failure != null) {
                return;
            }
            try {
                synchronized (lock) {
                    SourceShard shard = shards.get(batch.shardId());
                    if (stopping || shard == null) {
                        return; // after the last checkpoint: read again by the next owner
                    }
                    long now = System.currentTimeMillis();
                    for (KinesisRecord record : batch.records()) {
                        shard.last = record.position();
                        shard.lastReadMs = now;
                        if (settings.endOfInputMarkers() && KinesisEngine.END_OF_INPUT_KEY.equals(record.partitionKey())) {
                            shard.ended = true;
                            continue;
                        }
                        process(record, shard, now);
                        processed++;
                    }
                    if (!batch.records().isEmpty()) {
                        lastProcessedAt = now;
                    }
                    batch.millisBehindLatest().ifPresent(ms -> shard.millisBehindLatest = ms);
                    flush();
                    if (shard.ended) {
                        if (!shard.endSent) {
                            ended(shard, List.of());
                        }
                    } else if (now >= shard.nextProgressMs) {
                        boolean caughtUp = batch.records().isEmpty() && batch.millisBehindLatest().orElse(-1) == 0;
                        long idleFor = now - shard.lastReadMs;
                        tell(shard, id -> new ShuffleEnvelope.Progress(shard.id, Optional.ofNullable(shard.lastSent.get(id)),
                                shard.max, caughtUp && idleFor >= idleTimeoutMs ? idleFor : ShuffleEnvelope.ACTIVE));
                        shard.nextProgressMs = now + shuffle.progressInterval().toMillis();
                    }
                    if (now >= nextCheckpointMs) {
                        checkpointHeld(false);
                    }
                }
            } catch (RuntimeException | CheckpointException | IOException e) {
                fail("processing source shard " + batch.shardId() + " failed", e);
            }
        }

        @Override
        public CompletionStage<?> shardEnded(String shardId) {
            try {
                synchronized (lock) {
                    SourceShard shard = shards.get(shardId);
                    List<String> children = clients.children(streams.source(), shardId).stream()
                            .map(Shard::shardId)
                            .toList();
                    flush();
                    shard.ended = true;
                    ended(shard, children);
                    LOG.infof("source shard %s of %s ended (split or merged) with children %s", shardId,
                            streams.source(), children);
                    return CompletableFuture.completedFuture(null);
                }
            } catch (RuntimeException | CheckpointException | IOException e) {
                fail("keeping the end of source shard " + shardId + " failed", e);
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void sourceStopped(KinesisException failure) {
            fail("reading the source stream stopped", failure);
        }

        @Override
        public void shardStopped(String shardId) {
            synchronized (lock) {
                SourceShard shard = shards.remove(shardId);
                if (shard != null) {
                    shard.held = false;
                    if (!stopping && running) {
                        parked.put(shardId, shard);
                    }
                }
            }
        }

        private void process(KinesisRecord record, SourceShard shard, long now) {
            if (shard.replayThrough != null) {
                if (record.position().compareTo(shard.replayThrough) <= 0) {
                    replay(record, shard, now);
                    return;
                }
                shard.replayThrough = null;
            }
            RecordTrace trace = listener.recordIn(new SourcePosition.Sequence(record.shardId(),
                    record.position().toString()), traceField.read(record.data()));
            Ingest.Result result = ingest.ingest(record.data(), record.approximateArrivalTimestamp().toEpochMilli(), now);
            shard.max = Math.max(shard.max, result.eventTime());
            try {
                if (result instanceof Ingest.Keyed k) {
                    listener.keyed(trace);
                    shuffle(record, shard, k, trace.context() == null ? null : trace.context().header());
                } else if (result instanceof Ingest.Passed p) {
                    outputs.passed(record.partitionKey(), p.kept(), trace);
                } else if (result instanceof Ingest.Rejected r) {
                    deadLetter(record, trace, r.reason(), r.message());
                } else {
                    listener.dropped(trace);
                }
            } catch (RecordRejected e) {
                deadLetter(record, trace, e.reason(), e.getMessage());
            }
        }

        /**
         * A record the saved job had read: its keyed record to the shuffle (where the window task that holds it already
         * drops it), nothing else written again.
         */
        private void replay(KinesisRecord record, SourceShard shard, long now) {
            Ingest.Result result = ingest.ingest(record.data(), record.approximateArrivalTimestamp().toEpochMilli(), now);
            shard.max = Math.max(shard.max, result.eventTime());
            if (result instanceof Ingest.Keyed k) {
                shuffle(record, shard, k, null);
            }
        }

        /** The keyed record to its window key's shuffle shard, chained after the last one this shard sent there. */
        private void shuffle(KinesisRecord record, SourceShard shard, Ingest.Keyed k, String traceparent) {
            Shard to = shuffleShardOf(k.key());
            ShuffleEnvelope.Data data = new ShuffleEnvelope.Data(shard.id, record.position(),
                    Optional.ofNullable(shard.lastSent.get(to.shardId())), shard.max, k.eventTime(), k.key(),
                    k.args(), record.partitionKey(), new byte[0], record.data().length, traceparent);
            int room = settings.sink().maxRecordBytes() - ShuffleEnvelope.dataOverhead(data) - 300;
            byte[] payload = record.data().length <= room ? record.data()
                    : Arrays.copyOf(record.data(), Math.max(0, room));
            data = new ShuffleEnvelope.Data(data.sourceShard(), data.position(), data.after(), data.shardMax(),
                    data.eventTime(), data.key(), data.args(), data.partitionKey(), payload, data.payloadBytes(),
                    data.traceparent());
            shard.lastSent.put(to.shardId(), record.position());
            // a partition key of the record's own: the sink puts up to 500 of them a call, and the window task
            // restores their order from the chain
            toShuffle.add(new SinkRecord(shard.id + "/" + record.position(), ShuffleEnvelope.encode(data),
                    to.hashKeyRange().startingHashKey()));
        }

        private void deadLetter(KinesisRecord record, RecordTrace trace, DeadLetterReason reason, String message) {
            outputs.deadLetter(record.partitionKey(), record.shardId(), record.position().toString(), record.data(),
                    record.data().length, trace, reason, message);
        }

        /** Every record read so far to the shuffle stream and the sinks, acknowledged. */
        private void flush() {
            put(toShuffle);
            toShuffle.clear();
            outputs.flush();
        }

        /** The shard ended: every window task hears it, then the task's checkpoint holds it. */
        private void ended(SourceShard shard, List<String> children) throws CheckpointException, IOException {
            shard.endSent = true;
            tell(shard, id -> new ShuffleEnvelope.Ended(shard.id, Optional.ofNullable(shard.lastSent.get(id)),
                    children));
            checkpoint(shard, false);
        }

        /** One envelope to each shuffle shard, in a put of their own after the records they follow. */
        private void tell(SourceShard shard, java.util.function.Function<String, ShuffleEnvelope> envelope) {
            List<SinkRecord> records = new ArrayList<>(shuffleShards.size());
            for (Shard to : shuffleShards) {
                records.add(new SinkRecord(shard.id + "/to/" + to.shardId(),
                        ShuffleEnvelope.encode(envelope.apply(to.shardId())), to.hashKeyRange().startingHashKey()));
            }
            put(records);
        }

        private List<String> checkpointHeld(boolean savepoint) throws CheckpointException, IOException {
            parked.letGoOfOld();
            flush();
            List<String> ids = new ArrayList<>();
            for (SourceShard shard : shards.values()) {
                if (shard.held && shard.last != null) {
                    ids.add(checkpoint(shard, savepoint));
                }
            }
            nextCheckpointMs = System.currentTimeMillis() + settings.checkpointInterval().toMillis();
            return ids;
        }

        List<String> checkpoint(boolean savepoint) throws CheckpointException, IOException {
            synchronized (lock) {
                return checkpointHeld(savepoint);
            }
        }

        void stop() throws CheckpointException, IOException {
            synchronized (lock) {
                checkpointHeld(true);
                stopping = true;
            }
        }

        private String checkpoint(SourceShard shard, boolean savepoint) throws CheckpointException, IOException {
            Map<String, String> chains = new LinkedHashMap<>();
            shard.lastSent.forEach((to, position) -> chains.put(to, position.toString()));
            Path dir = Files.createDirectories(stateDir).resolve("source-" + System.nanoTime());
            try {
                Files.createDirectories(dir);
                JSON.writeValue(dir.resolve("source.json").toFile(), new SourceState(1,
                        shard.last == null ? null : shard.last.toString(), shard.max, chains, shard.ended));
                CheckpointInfo info = checkpoints.write(SOURCE_TASK + shard.id, dir, Map.of(), Map.of(), savepoint);
                shard.checkpointId = info.id();
                if (shard.last != null && !shard.ended) {
                    sourceReader.checkpoint(shard.id, shard.last);
                }
                return info.id();
            } finally {
                LocalFiles.deleteTree(dir);
            }
        }

        private void restore(SourceShard shard) throws CheckpointException, IOException {
            Optional<Stored<SourceState>> own = readSourceState(checkpoints, shard.id);
            if (own.isPresent()) {
                SourceState state = own.get().state();
                shard.checkpointId = own.get().checkpointId();
                shard.last = state.position() == null ? null : ShardPosition.parse(state.position());
                shard.max = state.max();
                state.lastSent().forEach((to, position) -> shard.lastSent.put(to, ShardPosition.parse(position)));
            } else if (restoreFrom.isPresent()) {
                restoreFromSavepoint(shard, readSourceState(restoreFrom.get(), shard.id).map(Stored::state));
            }
        }

        /**
         * Starts a source task of this job from another job's savepoints. That job's shuffle stream is not this one's,
         * so what its source task had sent there and its window tasks had not yet applied when they were saved is in
         * neither savepoint: the task reads its shard again from the earliest record some window task still lacked,
         * and the window tasks drop what they hold already, by its position, as after a crash.
         */
        private void restoreFromSavepoint(SourceShard shard, Optional<SourceState> saved) throws CheckpointException,
                IOException {
            Map<String, Optional<WindowState>> windows = savedWindows();
            ShardPosition from = saved.map(SourceState::position).map(ShardPosition::parse).orElse(null);
            long max = saved.map(SourceState::max).orElse(WatermarkTracker.UNKNOWN);
            boolean fromStart = saved.isEmpty() || from == null;
            for (Shard to : shuffleShards) {
                Optional<SourceApplied> applied = windows.getOrDefault(to.shardId(), Optional.empty())
                        .map(w -> w.sources().get(shard.id));
                Optional<ShardPosition> appliedAt = applied.map(SourceApplied::applied).map(ShardPosition::parse);
                appliedAt.ifPresent(position -> shard.lastSent.put(to.shardId(), position));
                Optional<ShardPosition> sent = saved.map(state -> state.lastSent().get(to.shardId()))
                        .map(ShardPosition::parse);
                if (sent.isEmpty() || appliedAt.isPresent() && appliedAt.get().compareTo(sent.get()) >= 0) {
                    continue; // the window task had every record this shard sent it
                }
                if (appliedAt.isEmpty()) {
                    fromStart = true;
                } else if (!fromStart && (from == null || appliedAt.get().compareTo(from) < 0)) {
                    from = appliedAt.get();
                    // the largest event time as it was when that record was read, which the records after it carried
                    // (unknown in state written before it was kept: the records read again then carry their own)
                    max = Objects.requireNonNullElse(applied.get().appliedMax(), WatermarkTracker.UNKNOWN);
                }
            }
            if (fromStart) {
                from = null;
                max = WatermarkTracker.UNKNOWN;
            }
            shard.last = from;
            shard.max = max;
            ShardPosition savedAt = saved.map(SourceState::position).map(ShardPosition::parse).orElse(null);
            if (savedAt != null && (from == null || from.compareTo(savedAt) < 0)) {
                shard.replayThrough = savedAt;
            }
            LOG.infof("source shard %s restored from the savepoints at %s, which hold it through %s: reading it"
                    + " again %s", shard.id, restoreFrom.get().jobLocation(), savedAt == null ? "nothing" : savedAt,
                    from == null ? "from the job's starting position" : "after " + from);
        }

        /** The window tasks' savepoints in {@link #restoreFrom}, read the first time a source task needs them. */
        private Map<String, Optional<WindowState>> savedWindows() throws CheckpointException, IOException {
            if (savedWindows == null) {
                Map<String, Optional<WindowState>> read = new HashMap<>();
                for (Shard to : shuffleShards) {
                    read.put(to.shardId(), readWindowState(restoreFrom.get(), to.shardId(), null).map(Stored::state));
                }
                savedWindows = read;
            }
            return savedWindows;
        }

        Map<String, Long> millisBehindLatest() {
            synchronized (lock) {
                Map<String, Long> behind = new LinkedHashMap<>();
                shards.forEach((id, shard) -> {
                    if (shard.held && !shard.ended) {
                        behind.put(id, shard.millisBehindLatest);
                    }
                });
                return behind;
            }
        }
    }

    /** The id of the task's newest checkpoint in the job's store, or null when it has none. */
    private String latestId(String taskId) throws CheckpointException {
        return checkpoints.list().stream().filter(c -> c.taskId().equals(taskId)).findFirst()
                .map(CheckpointInfo::id).orElse(null);
    }

    /** Whether the job's store holds nothing newer of the task than checkpoint {@code id} (null: none at all). */
    private boolean isLatest(String taskId, String id) throws CheckpointException {
        return Objects.equals(latestId(taskId), id);
    }

    /** A task's state read from a checkpoint, and that checkpoint's id. */
    private record Stored<T>(T state, String checkpointId) {}

    /** A source task's newest checkpoint in {@code store}, if any. */
    private Optional<Stored<SourceState>> readSourceState(TaskCheckpoints store, String shardId) throws CheckpointException,
            IOException {
        Path dir = Files.createDirectories(stateDir).resolve("restore-source-" + System.nanoTime());
        Files.createDirectories(dir);
        try {
            Optional<CheckpointInfo> info = store.restoreLatest(SOURCE_TASK + shardId, dir);
            if (info.isEmpty()) {
                return Optional.empty();
            }
            SourceState state = JSON.readValue(dir.resolve("source.json").toFile(), new TypeReference<>() {});
            if (state.format() != 1) {
                throw new IOException("source task state written in format " + state.format() + "; this runtime"
                        + " reads 1");
            }
            return Optional.of(new Stored<>(state, info.get().id()));
        } finally {
            LocalFiles.deleteTree(dir);
        }
    }

    /**
     * A window task's newest checkpoint in {@code store}, if any; its window state goes into {@code into} when given.
     */
    private Optional<Stored<WindowState>> readWindowState(TaskCheckpoints store, String shardId, SortedMapStore into)
            throws CheckpointException, IOException {
        Path dir = Files.createDirectories(stateDir).resolve("restore-windows-" + System.nanoTime());
        Files.createDirectories(dir);
        try {
            Optional<CheckpointInfo> info = store.restoreLatest(WINDOW_TASK + shardId, dir);
            if (info.isEmpty()) {
                return Optional.empty();
            }
            WindowState state = JSON.readValue(dir.resolve("shuffle.json").toFile(), new TypeReference<>() {});
            if (state.format() != 1) {
                throw new IOException("window task state written in format " + state.format() + "; this runtime"
                        + " reads 1");
            }
            if (into != null) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                        Files.newInputStream(dir.resolve(KinesisSnapshot.STATE_FILE)), 1 << 16))) {
                    into.readFrom(in);
                }
                LOG.infof("window task %s restored %s %s: %d state entries, source shards %s", shardId,
                        info.get().savepoint() ? "savepoint" : "checkpoint", info.get().location(), into.size(),
                        state.sources().keySet());
            }
            return Optional.of(new Stored<>(state, info.get().id()));
        } finally {
            LocalFiles.deleteTree(dir);
        }
    }

    /** The shuffle shard of a window key: its hash over the shards in hash key order. */
    private Shard shuffleShardOf(byte[] key) {
        return shuffleShards.get(Math.floorMod(Arrays.hashCode(key), shuffleShards.size()));
    }

    // ---- the window tasks ----

    /**
     * What a window task holds of a source shard: the last record applied, the shard's largest event time heard (from
     * records and progress), whether it ended, and the largest event time that last record carried (null in state
     * written before it was kept): where a restore from savepoints resumes the shard, its largest event time then.
     */
    private record SourceApplied(String applied, long max, boolean ended, Long appliedMax) {}

    private record WindowState(int format, String position, Map<String, SourceApplied> sources) {}

    /** One shuffle shard's window stage; its calls come on the shard's thread, under its own lock. */
    private final class WindowTask {
        final String shardId;
        final SortedMapStore store = new SortedMapStore();
        final WatermarkTracker watermark = new WatermarkTracker(WatermarkTracker.UNKNOWN);
        final RecordOutputs outputs = outputs();
        final WindowOperator windows;
        /** The watermark slot of each source shard. */
        final Map<String, Integer> slots = new HashMap<>();
        final ShuffleChains chains = new ShuffleChains();
        /** Per source shard: the largest event time its last applied record carried. */
        final Map<String, Long> appliedMax = new HashMap<>();
        /** The id of the newest checkpoint of this task that this process wrote or restored; null when none. */
        String checkpointId;
        long nextCheckpointMs = System.currentTimeMillis() + settings.checkpointInterval().toMillis();
        boolean stopping;
        /**
         * Every source of this task has ended and everything that led to is written: set after the flush, so that
         * another task's thread, which completes {@link #drained}, never sees an end whose results are still buffered.
         */
        volatile boolean written;

        WindowTask(String shardId) {
            this.shardId = shardId;
            this.windows = new WindowOperator(job.window().shape(), job.window().allowedLateness(),
                    job.window().keyBy(), job.window().aggregates(), store, outputs::window,
                    listener.linksWindowInputs());
        }

        int slot(String sourceShard) {
            return slots.computeIfAbsent(sourceShard, watermark::register);
        }

        void records(RecordBatch batch) throws CheckpointException, IOException {
            for (KinesisRecord record : batch.records()) {
                ShuffleEnvelope envelope;
                try {
                    envelope = ShuffleEnvelope.decode(record.data());
                } catch (IllegalArgumentException e) {
                    LOG.errorf("shuffle stream %s, shard %s, record %s is not the runtime's (%s): skipped",
                            shuffle.stream(), shardId, record.position(), e.getMessage());
                    continue;
                }
                slot(envelope.sourceShard()); // a source shard holds the watermark from its first envelope on
                chains.read(envelope, record.position(), this::apply);
            }
            outputs.flush();
            written = watermark.allEnded();
            if (System.currentTimeMillis() >= nextCheckpointMs) {
                windowTasks.parked.letGoOfOld();
                checkpoint(false);
            }
        }

        private void apply(ShuffleEnvelope envelope) {
            int slot = slot(envelope.sourceShard());
            if (envelope instanceof ShuffleEnvelope.Data data) {
                apply(slot, data);
            } else if (envelope instanceof ShuffleEnvelope.Progress progress) {
                advance(progress.idleForMs() == ShuffleEnvelope.ACTIVE
                        ? watermark.active(slot, progress.shardMax())
                        : watermark.idle(slot, progress.shardMax(), progress.idleForMs()));
            } else if (envelope instanceof ShuffleEnvelope.Ended ended) {
                // the children first: the parent's end must not let the watermark run ahead of them
                ended.children().forEach(this::slot);
                advance(watermark.ended(slot));
            }
        }

        private void apply(int slot, ShuffleEnvelope.Data data) {
            RecordTrace trace = data.traceparent() == null ? RecordTrace.NONE : listener.keyedIn(data.traceparent());
            appliedMax.put(data.sourceShard(), data.shardMax());
            advance(watermark.active(slot, data.shardMax()));
            try {
                if (windows.add(data.key(), data.eventTime(), data.args(), trace.context())) {
                    listener.windowed(trace);
                    return;
                }
                outputs.deadLetter(data.partitionKey(), data.sourceShard(), data.position().toString(), data.payload(),
                        data.payloadBytes(), trace, DeadLetterReason.late, "event time "
                                + Instant.ofEpochMilli(data.eventTime()) + " is behind the watermark "
                                + Instant.ofEpochMilli(watermark.current()) + " by more than the allowed lateness");
            } catch (RecordRejected e) {
                outputs.deadLetter(data.partitionKey(), data.sourceShard(), data.position().toString(), data.payload(),
                        data.payloadBytes(), trace, e.reason(), e.getMessage());
            }
        }

        private void advance(long w) {
            windows.advance(w);
            listener.watermark(w);
        }

        String checkpoint(boolean savepoint) throws CheckpointException, IOException {
            outputs.flush();
            Optional<ShardPosition> resume = chains.resumeAfter();
            Map<String, SourceApplied> applied = new LinkedHashMap<>();
            slots.forEach((id, slot) -> applied.put(id, new SourceApplied(
                    chains.applied(id).map(ShardPosition::toString).orElse(null),
                    watermark.maxEventTime(slot), watermark.hasEnded(slot), appliedMax.get(id))));
            Path dir = Files.createDirectories(stateDir).resolve("windows-" + System.nanoTime());
            try {
                Files.createDirectories(dir);
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                        Files.newOutputStream(dir.resolve(KinesisSnapshot.STATE_FILE)), 1 << 16))) {
                    store.writeTo(out);
                }
                JSON.writeValue(dir.resolve("shuffle.json").toFile(), new WindowState(1,
                        resume.map(ShardPosition::toString).orElse(null), applied));
                CheckpointInfo info = checkpoints.write(WINDOW_TASK + shardId, dir, Map.of(), Map.of(), savepoint);
                checkpointId = info.id();
                resume.ifPresent(position -> shuffleReader.checkpoint(shardId, position));
                nextCheckpointMs = System.currentTimeMillis() + settings.checkpointInterval().toMillis();
                return info.id();
            } finally {
                LocalFiles.deleteTree(dir);
            }
        }

        /** @return where the restored state holds the shard through */
        Optional<ShardPosition> restore() throws CheckpointException, IOException {
            Optional<Stored<WindowState>> own = readWindowState(checkpoints, shardId, store);
            own.ifPresent(stored -> checkpointId = stored.checkpointId());
            boolean fromSavepoint = own.isEmpty() && restoreFrom.isPresent();
            Optional<Stored<WindowState>> restored = fromSavepoint ? readWindowState(restoreFrom.get(), shardId, store)
                    : own;
            if (restored.isEmpty()) {
                initialSources().forEach(this::slot);
                return Optional.empty();
            }
            WindowState state = restored.get().state();
            state.sources().forEach((id, applied) -> {
                int slot = slot(id);
                if (applied.applied() != null) {
                    chains.restore(id, ShardPosition.parse(applied.applied()));
                }
                if (applied.appliedMax() != null) {
                    appliedMax.put(id, applied.appliedMax());
                }
                if (applied.ended()) {
                    watermark.ended(slot);
                } else if (applied.max() != WatermarkTracker.UNKNOWN) {
                    watermark.active(slot, applied.max());
                }
            });
            if (fromSavepoint) {
                // another job's shuffle stream: this job's own is read from its start
                initialSources().forEach(this::slot);
            }
            windows.advance(watermark.current());
            Optional<ShardPosition> resume = fromSavepoint ? Optional.empty()
                    : Optional.ofNullable(state.position()).map(ShardPosition::parse);
            chains.restoreRead(resume);
            return resume;
        }
    }

    /**
     * The source shards a new window task waits for before its watermark moves: those the source tasks start from
     * (at the trim horizon, the oldest shards of each lineage; at LATEST, the open ones). Their descendants join as
     * their parents end.
     */
    private List<String> initialSources() {
        return FirstShards.of(clients.shards(streams.source()), sourceReads.startingPosition(), Set.of());
    }

    private final class WindowTasks implements ShardListener {
        private final Map<String, WindowTask> tasks = new ConcurrentHashMap<>();
        private final Parked<WindowTask> parked = new Parked<>();
        /** Set by {@link #stop()}: the library may still hand this worker a lease while it shuts down. */
        private volatile boolean stopped;

        @Override
        public Optional<ShardPosition> shardStarted(String shardId, Optional<ShardPosition> leaseCheckpoint) {
            WindowTask kept = parked.take(shardId).orElse(null);
            if (kept != null && !stopped) {
                synchronized (kept) {
                    try {
                        if (isLatest(WINDOW_TASK + shardId, kept.checkpointId)) {
                            // the library reads again from the lease table's position: the chains drop what was applied
                            kept.stopping = false;
                            tasks.put(shardId, kept);
                            LOG.infof("window task %s of %s taken back: it resumes from its state in memory",
                                    shardId, shuffle.stream());
                            return Optional.empty();
                        }
                    } catch (CheckpointException | RuntimeException e) {
                        LOG.warnf("window task %s of %s: reading its checkpoints failed (%s); it restores from them",
                                shardId, shuffle.stream(), e.getMessage());
                    }
                }
            }
            WindowTask task = new WindowTask(shardId);
            synchronized (task) {
                if (stopped) {
                    // after the savepoint at shutdown: the task neither restores nor takes records nor checkpoints;
                    // the next owner reads the shard from the lease table's position
                    task.stopping = true;
                    LOG.infof("window task %s of %s not started: this worker is stopping", shardId, shuffle.stream());
                    return Optional.empty();
                }
                try {
                    Optional<ShardPosition> resume = task.restore();
                    tasks.put(shardId, task);
                    LOG.infof("window task %s of %s starts (lease checkpoint %s, state through %s)", shardId,
                            shuffle.stream(), leaseCheckpoint.map(Object::toString).orElse("none"),
                            resume.map(Object::toString).orElse("nothing"));
                    return resume;
                } catch (CheckpointException | IOException | RuntimeException e) {
                    fail("restoring window task " + shardId, e);
                    return Optional.empty();
                }
            }
        }

        @Override
        public void records(RecordBatch batch) {
            if (failure != null) {
                return;
            }
            WindowTask task = tasks.get(batch.shardId());
            if (task == null) {
                return;
            }
            try {
                synchronized (task) {
                    if (task.stopping) {
                        return;
                    }
                    task.records(batch);
                }
                if (tasks.size() == shuffleShards.size()
                        && tasks.values().stream().allMatch(t -> t.written)) {
                    drained.complete(null);
                }
            } catch (RuntimeException | CheckpointException | IOException e) {
                fail("window task " + batch.shardId() + " failed", e);
            }
        }

        @Override
        public CompletionStage<?> shardEnded(String shardId) {
            fail("the shuffle stream " + shuffle.stream() + " was resharded", new IllegalStateException("shard "
                    + shardId + " of the shuffle stream ended: the engine routes window keys over the shuffle"
                    + " stream's shards as it found them at start; delete the stream only with the job"));
            return new CompletableFuture<>();
        }

        @Override
        public void sourceStopped(KinesisException failure) {
            fail("reading the shuffle stream stopped", failure);
        }

        @Override
        public void shardStopped(String shardId) {
            WindowTask task = tasks.remove(shardId);
            if (task != null && !stopped && running) {
                synchronized (task) {
                    if (!task.stopping) {
                        parked.put(shardId, task);
                    }
                }
            }
        }

        List<String> checkpoint(boolean savepoint) throws CheckpointException, IOException {
            List<String> ids = new ArrayList<>();
            for (WindowTask task : tasks.values()) {
                synchronized (task) {
                    if (!task.stopping) {
                        ids.add(task.checkpoint(savepoint));
                    }
                }
            }
            return ids;
        }

        void stop() throws CheckpointException, IOException {
            stopped = true;
            for (WindowTask task : tasks.values()) {
                synchronized (task) {
                    task.checkpoint(true);
                    task.stopping = true;
                }
            }
        }
    }

    // ---- plumbing ----

    private RecordOutputs outputs() {
        return new RecordOutputs(job, listener, traceField, streams.source(), streams.sink(), streams.deadLetter(),
                settings.sink().maxRecordBytes(), sink, deadLetterSink);
    }

    private void put(List<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        try {
            List<RejectedRecord> rejected = shuffleSink.put(List.copyOf(records));
            if (!rejected.isEmpty()) {
                throw new KinesisException("the shuffle stream " + shuffle.stream() + " refused " + rejected.size()
                        + " records, the first because " + rejected.get(0).reason(), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KinesisException("interrupted while writing to " + shuffle.stream(), e);
        }
    }

    private void ensureShuffleStream() {
        try {
            clients.kinesis().createStream(request -> request.streamName(shuffle.stream()).shardCount(shuffle.shards()))
                    .orTimeout(30, TimeUnit.SECONDS).join();
            LOG.infof("created the shuffle stream %s with %d shards", shuffle.stream(), shuffle.shards());
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof ResourceInUseException)) {
                throw new KinesisException("creating the shuffle stream " + shuffle.stream() + " failed: "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            try {
                StreamStatus status = clients.kinesis().describeStreamSummary(r -> r.streamName(shuffle.stream()))
                        .orTimeout(30, TimeUnit.SECONDS).join().streamDescriptionSummary().streamStatus();
                if (status == StreamStatus.ACTIVE || status == StreamStatus.UPDATING) {
                    return;
                }
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw new KinesisException("reading the shuffle stream " + shuffle.stream() + " failed: "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new KinesisException("the shuffle stream " + shuffle.stream() + " is not active after 120 s", null);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KinesisException("interrupted while waiting for " + shuffle.stream(), e);
            }
        }
    }

    private void fail(String what, Exception e) {
        failure = what + ": " + e.getMessage();
        LOG.errorf(e, "%s; the engine stops checkpointing, and what its tasks read after their last checkpoints is read"
                + " again at the next start", what);
        drained.completeExceptionally(new IllegalStateException(failure, e));
    }
}

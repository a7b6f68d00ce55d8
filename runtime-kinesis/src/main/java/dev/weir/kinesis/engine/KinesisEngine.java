package dev.weir.kinesis.engine;

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
import dev.weir.kinesis.ShardListener;
import dev.weir.kinesis.ShardPosition;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The Kinesis engine (docs/engines.md): reads the source stream with the Kinesis Client Library, runs every record
 * through the job's {@link Ingest} step and one window stage in this process, and writes windows and dead letters with
 * batched puts.
 *
 * <p>One window stage per process: all shards this worker reads feed it, under one lock, in each shard's order. So the
 * job runs on one pod until the shuffle between pods exists (docs/engines.md says what is refused meanwhile).
 *
 * <p>Exactly-once state: the window state and the position of the last record processed of each shard are written
 * together in one checkpoint ({@link KinesisSnapshot}); only then does the engine write the Kinesis Client Library's
 * checkpoint, which is therefore never ahead. A restarted engine restores the state and skips, per shard, the records
 * its checkpoint already holds. Only the sink can see a window twice: those emitted after the last checkpoint, again,
 * identical, after a crash.
 *
 * <p>Tracing: Kinesis records have no headers, so the W3C context travels in a payload field ({@link TraceField},
 * {@code spec.tracing.payloadField}): read from each source record, and set on every record written to the trace of
 * what it is (a window's span, a dead letter's, a record's own without a window), or removed.
 */
public final class KinesisEngine implements KinesisJobEngine, ShardListener {
    /** In {@code weir run --input}: the partition key of the record that ends its shard's input. */
    public static final String END_OF_INPUT_KEY = "weir-control:end-of-input";
    /** The checkpoint store's task id of the one window stage. */
    static final String TASK_ID = KinesisLayout.ONE_POD_TASK;
    private static final Logger LOG = Logger.getLogger(KinesisEngine.class);

    private final CompiledJob job;
    private final Ingest ingest;
    private final RecordListener listener;
    private final JobStreams streams;
    private final TraceField traceField;
    private final KinesisEngineSettings settings;
    private final KinesisClients clients;
    private final KinesisSource source;
    private final RecordOutputs outputs;
    private final Optional<TaskCheckpoints> checkpoints;
    private final Optional<TaskCheckpoints> restoreFrom;
    private final Path stateDir;
    private final long idleTimeoutMs;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private final Object lock = new Object();
    private final SortedMapStore store = new SortedMapStore();
    private WindowOperator windows;
    private final WatermarkTracker watermark;
    private final Map<String, ShardState> shards = new HashMap<>();
    /** Per shard, the last record the restored state holds: records at or before it are skipped. */
    private final Map<String, ShardPosition> restored = new HashMap<>();
    private long nextCheckpointMs;
    private volatile long processed;
    private volatile long lastProcessedAt;
    private volatile String failure;
    private volatile boolean running;

    /** One shard's progress, under the lock. */
    private static final class ShardState {
        final int slot;
        ShardPosition last;
        long lastReadMs = System.currentTimeMillis();
        long max = WatermarkTracker.UNKNOWN;
        long millisBehindLatest = -1;
        boolean ended;
        boolean held = true;

        ShardState(int slot, ShardPosition last) {
            this.slot = slot;
            this.last = last;
        }
    }

    /**
     * @param listener   what observes the record path (metrics, tracing)
     * @param stateDir   a folder of this engine's own for checkpoint files in transit
     */
    public KinesisEngine(StreamJob job, KinesisEngineSettings settings, KinesisClients clients, RecordListener listener,
                         Optional<TaskCheckpoints> checkpoints, Optional<TaskCheckpoints> restoreFrom, Path stateDir) {
        this.job = CompiledJob.compile(job.getSpec());
        this.ingest = new Ingest(this.job);
        this.listener = listener;
        this.streams = JobStreams.of(job.getSpec());
        this.traceField = new TraceField(TracingSpec.payloadFieldOf(job.getSpec().tracing));
        this.settings = settings;
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
        this.source = new KinesisSource(read, clients, this);
        this.outputs = new RecordOutputs(this.job, listener, traceField, streams.source(), streams.sink(),
                streams.deadLetter(), settings.sink().maxRecordBytes(),
                new KinesisSink(clients.kinesis(), streams.sink(), settings.sink()),
                new KinesisSink(clients.kinesis(), streams.deadLetter(), settings.sink()));
        this.watermark = new WatermarkTracker(WatermarkTracker.UNKNOWN);
    }

    @Override
    public void start() throws CheckpointException, IOException {
        prepare();
        source.start();
    }

    /**
     * Everything {@link #start} does before it asks the Kinesis Client Library for shards: restores state and registers
     * the first shards with the watermark. A test that hands the engine its shards itself calls only this.
     */
    void prepare() throws CheckpointException, IOException {
        if (checkpoints.isPresent() && checkpoints.get().list().stream()
                .anyMatch(c -> c.taskId().startsWith(KinesisShuffleEngine.WINDOW_TASK))) {
            throw new IllegalStateException("the checkpoints at " + checkpoints.get().jobLocation() + " hold the"
                    + " window state of this job on several pods (tasks " + KinesisShuffleEngine.WINDOW_TASK + "*);"
                    + " on one pod its windows are kept in one task, which cannot start from that state: give"
                    + " scaling.maxReplicas (or replicas) above 1 again, or a new name to start with empty windows");
        }
        restore();
        Set<String> ended = new HashSet<>();
        shards.forEach((id, shard) -> {
            if (shard.ended) {
                ended.add(id);
            }
        });
        for (String id : FirstShards.of(clients.shards(streams.source()), settings.source().startingPosition(), ended)) {
            // each holds the watermark from now on, even while the library has not leased it to this worker yet
            shards.computeIfAbsent(id, first -> {
                ShardState waiting = new ShardState(watermark.register(first), restored.get(first));
                waiting.held = false; // until its lease is taken
                return waiting;
            });
        }
        if (job.window() != null) {
            windows = new WindowOperator(job.window().shape(), job.window().allowedLateness(), job.window().keyBy(),
                    job.window().aggregates(), store, outputs::window, listener.linksWindowInputs());
        }
        nextCheckpointMs = System.currentTimeMillis() + settings.checkpointInterval().toMillis();
        running = true;
    }

    /** Completes once every shard's input has ended and everything it led to is written (weir run). */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    @Override
    public Health health() {
        String failed = failure;
        if (failed != null) {
            return new Health(false, failed);
        }
        return new Health(running, running ? "reading " + streams.source() : "stopped");
    }

    @Override
    public CompletionStage<String> savepoint() {
        if (checkpoints.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "the job has no spec.checkpoints.location to keep a savepoint in"));
        }
        try {
            synchronized (lock) {
                return CompletableFuture.completedFuture(checkpoint(true).id());
            }
        } catch (RuntimeException | CheckpointException | IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Stops reading, then keeps where it stopped as a savepoint, as the Kafka engine's graceful shutdown does: a pod
     * stopped by a suspend or a scale to zero leaves a savepoint of its window task, which the operator waits for.
     */
    @Override
    public void close() {
        running = false;
        source.close();
        synchronized (lock) {
            if (failure == null && checkpoints.isPresent()) {
                try {
                    CheckpointInfo last = checkpoint(true);
                    LOG.infof("stopped: savepoint %s holds the window state and the shard positions", last.id());
                } catch (CheckpointException | IOException | RuntimeException e) {
                    LOG.warnf("the savepoint at shutdown failed (%s): the next start resumes from the last"
                            + " checkpoint", e.getMessage());
                }
            }
        }
        drained.completeExceptionally(new IllegalStateException("the engine stopped"));
    }

    // ---- the source's calls, on each shard's thread ----

    @Override
    public Optional<ShardPosition> shardStarted(String shardId, Optional<ShardPosition> leaseCheckpoint) {
        synchronized (lock) {
            ShardPosition skipThrough = restored.get(shardId);
            ShardState shard = shards.get(shardId);
            if (shard == null) {
                shard = new ShardState(watermark.register(shardId), skipThrough);
                shards.put(shardId, shard);
            }
            shard.held = true;
            if (skipThrough != null && leaseCheckpoint.isPresent() && leaseCheckpoint.get().compareTo(skipThrough) > 0) {
                // KCL would start after its checkpoint: the records between the state and it would never be counted
                fail("shard " + shardId + " cannot resume", new IllegalStateException("the lease table "
                        + settings.source().applicationName() + " says shard " + shardId + " was processed through "
                        + leaseCheckpoint.get() + ", past the restored state's " + skipThrough + " (a savepoint older"
                        + " than the job's own progress): restore it as a job of another name, whose lease table is"
                        + " new, or delete the lease table " + settings.source().applicationName()));
            }
            LOG.infof("shard %s of %s starts (lease checkpoint %s, state holds it through %s)", shardId,
                    streams.source(), leaseCheckpoint.map(Object::toString).orElse("none"),
                    skipThrough == null ? "nothing" : skipThrough);
            return Optional.ofNullable(shard.last);
        }
    }

    @Override
    public void records(RecordBatch batch) {
        if (failure != null) {
            return; // never checkpointed past: the next start reads these again
        }
        try {
            synchronized (lock) {
                ShardState shard = shards.get(batch.shardId());
                long now = System.currentTimeMillis();
                for (KinesisRecord record : batch.records()) {
                    shard.last = record.position();
                    shard.lastReadMs = now;
                    if (settings.endOfInputMarkers() && END_OF_INPUT_KEY.equals(record.partitionKey())) {
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
                progress(shard, batch, now);
                outputs.flush();
                if (watermark.allEnded()) {
                    drained.complete(null);
                }
                if (checkpoints.isPresent() && now >= nextCheckpointMs) {
                    checkpoint(false);
                }
            }
        } catch (RuntimeException | CheckpointException | IOException e) {
            fail("processing shard " + batch.shardId() + " failed", e);
        }
    }

    @Override
    public CompletionStage<?> shardEnded(String shardId) {
        try {
            synchronized (lock) {
                // the children first: the parent's end must not let the watermark run ahead of them
                for (Shard child : clients.children(streams.source(), shardId)) {
                    shards.computeIfAbsent(child.shardId(), id -> new ShardState(watermark.register(id), null));
                }
                ShardState shard = shards.get(shardId);
                shard.ended = true;
                shard.held = false;
                advance(watermark.ended(shard.slot));
                outputs.flush();
                if (checkpoints.isPresent()) {
                    checkpoint(false);
                }
                LOG.infof("shard %s of %s ended (split or merged); its children may start", shardId, streams.source());
                return CompletableFuture.completedFuture(null);
            }
        } catch (RuntimeException | CheckpointException | IOException e) {
            fail("keeping the end of shard " + shardId + " failed", e);
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
            ShardState shard = shards.get(shardId);
            if (shard != null) {
                shard.held = false;
            }
        }
    }

    /** Records taken from the source so far (end-of-input markers not counted). */
    public long processed() {
        return processed;
    }

    /** The wall-clock time of the last batch that held records, in epoch milliseconds. */
    public long lastProcessedAt() {
        return lastProcessedAt;
    }

    /** Metrics: how far behind the newest record each shard's last read was, -1 when unknown. */
    public Map<String, Long> millisBehindLatest() {
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

    // ---- the record path, under the lock ----

    private void process(KinesisRecord record, ShardState shard, long now) {
        RecordTrace trace = listener.recordIn(new SourcePosition.Sequence(record.shardId(),
                record.position().toString()), traceField.read(record.data()));
        Ingest.Result result = ingest.ingest(record.data(), record.approximateArrivalTimestamp().toEpochMilli(), now);
        shard.max = Math.max(shard.max, result.eventTime());
        try {
            if (result instanceof Ingest.Keyed k) {
                listener.keyed(trace);
                advance(watermark.active(shard.slot, shard.max));
                // the window stage is in this process: the record's context reaches it without a hop
                RecordTrace keyed = trace.context() == null ? RecordTrace.NONE
                        : listener.keyedIn(trace.context().header());
                if (windows.add(k.key(), k.eventTime(), k.args(), keyed.context())) {
                    listener.windowed(keyed);
                    return;
                }
                String message = "event time " + Instant.ofEpochMilli(k.eventTime()) + " is behind the watermark "
                        + Instant.ofEpochMilli(watermark.current()) + " by more than the allowed lateness";
                deadLetter(record, keyed, DeadLetterReason.late, message);
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

    private void deadLetter(KinesisRecord record, RecordTrace trace, DeadLetterReason reason, String message) {
        outputs.deadLetter(record.partitionKey(), record.shardId(), record.position().toString(), record.data(),
                record.data().length, trace, reason, message);
    }

    private void progress(ShardState shard, RecordBatch batch, long now) {
        if (shard.ended) {
            advance(watermark.ended(shard.slot));
            return;
        }
        long idleFor = now - shard.lastReadMs;
        boolean caughtUp = batch.records().isEmpty() && batch.millisBehindLatest().orElse(-1) == 0;
        if (caughtUp && idleFor >= idleTimeoutMs) {
            advance(watermark.idle(shard.slot, shard.max, idleFor));
        } else if (shard.max != WatermarkTracker.UNKNOWN) {
            advance(watermark.active(shard.slot, shard.max));
        }
    }

    private void advance(long w) {
        if (windows != null) {
            windows.advance(w);
        }
        listener.watermark(w);
    }

    // ---- checkpoints ----

    /** Writes state and positions together, then tells the Kinesis Client Library (never ahead of this). */
    private CheckpointInfo checkpoint(boolean savepoint) throws CheckpointException, IOException {
        outputs.flush();
        // what the restored state holds of shards this process has not read yet (their leases not taken, say, when it
        // stops soon after it started): without them the next start would read those shards again from their lease
        // checkpoints or the trim horizon, and count what the state already holds twice
        Map<String, ShardPosition> positions = new LinkedHashMap<>(restored);
        List<String> ended = new ArrayList<>();
        shards.forEach((id, shard) -> {
            if (shard.last != null) {
                positions.put(id, shard.last);
            }
            if (shard.ended) {
                ended.add(id);
            }
        });
        Path dir = Files.createDirectories(stateDir).resolve("checkpoint-" + System.nanoTime());
        try {
            KinesisSnapshot.write(dir, store, positions, ended);
            CheckpointInfo info = checkpoints.orElseThrow().write(TASK_ID, dir, Map.of(), Map.of(), savepoint);
            nextCheckpointMs = System.currentTimeMillis() + settings.checkpointInterval().toMillis();
            shards.forEach((id, shard) -> {
                if (shard.held && !shard.ended && shard.last != null) {
                    source.checkpoint(id, shard.last);
                }
            });
            LOG.debugf("checkpoint %s: %d state entries, positions %s", info.id(), store.size(), positions);
            return info;
        } finally {
            LocalFiles.deleteTree(dir);
        }
    }

    private void restore() throws CheckpointException, IOException {
        Optional<TaskCheckpoints> from = checkpoints.isPresent() && hasCheckpoint(checkpoints.get())
                ? checkpoints : restoreFrom;
        if (from.isEmpty()) {
            return;
        }
        Path dir = Files.createDirectories(stateDir).resolve("restore-" + System.nanoTime());
        Files.createDirectories(dir);
        try {
            Optional<CheckpointInfo> info = from.get().restoreLatest(TASK_ID, dir);
            if (info.isEmpty()) {
                return;
            }
            KinesisSnapshot snapshot = KinesisSnapshot.read(dir, store);
            restored.putAll(snapshot.positions());
            for (String id : snapshot.ended()) {
                ShardState shard = new ShardState(watermark.register(id), snapshot.positions().get(id));
                shard.ended = true;
                shard.held = false;
                watermark.ended(shard.slot);
                shards.put(id, shard);
            }
            LOG.infof("restored checkpoint %s of %s: %d state entries, shard positions %s", info.get().id(),
                    info.get().location(), store.size(), snapshot.positions());
        } finally {
            LocalFiles.deleteTree(dir);
        }
    }

    private static boolean hasCheckpoint(TaskCheckpoints store) throws CheckpointException {
        return store.list().stream().anyMatch(c -> c.taskId().equals(TASK_ID));
    }

    private void fail(String what, Exception e) {
        failure = what + ": " + e.getMessage();
        LOG.errorf(e, "%s; the engine stops checkpointing, and the records after its last checkpoint are read again"
                + " at the next start", what);
        drained.completeExceptionally(new IllegalStateException(failure, e));
    }
}

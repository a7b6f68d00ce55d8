package dev.weir.runtime.kafka.state;

import dev.weir.checkpoint.LocalFiles;
import dev.weir.checkpoint.DaemonThreads;
import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.TaskCheckpoints;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.jboss.logging.Logger;
import org.rocksdb.RocksDBException;

/**
 * Checkpoints the state stores of this process's tasks every interval and seeds new stores from the latest
 * checkpoint, all off the stream threads: asks the broker for each changelog's committed end (every record
 * below it is already in the store), takes a RocksDB checkpoint of the store (hard links), waits until the
 * input records whose writes it holds are committed (under exactly-once it may hold writes of an open
 * transaction, valid only once that commits), then stores it. See docs/checkpoints.md for why this gives
 * consistent state.
 */
public final class StateCheckpointer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StateCheckpointer.class);
    /** Where snapshots wait to be stored, next to the task directories (hard links need the same disk). */
    static final String SNAPSHOTS_FOLDER = "weir-snapshots";
    /** Where checkpoints of newly assigned tasks are downloaded before the tasks take them (same disk). */
    static final String PREFETCH_FOLDER = "weir-prefetch";
    /** Older checkpoints are not used: the changelog's tombstones after them may have been compacted away
     *  (Kafka's delete.retention.ms defaults to 24h). */
    static final Duration MAX_CHECKPOINT_AGE = Duration.ofHours(12);
    /** A snapshot whose commit is not seen within this long is dropped (its transaction aborted or is stuck). */
    static final Duration COMMIT_WAIT = Duration.ofMinutes(2);
    static final Duration COMMIT_POLL = Duration.ofSeconds(1);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(30);
    /** How long closing waits for the savepoints of a graceful shutdown (pods need a longer grace period). */
    static final Duration SAVEPOINT_TIMEOUT = Duration.ofSeconds(60);

    private final TaskCheckpoints checkpoints;
    private final Optional<TaskCheckpoints> restoreFrom;
    private final Admin admin;
    private final String groupId;
    private final Duration interval;
    private final Path stateDir;
    private final Path snapshotRoot;
    private final CheckpointPrefetch prefetch;
    private final CheckpointMetrics metrics;
    private final Clock clock;
    private final Set<CheckpointedRocksStore> stores = ConcurrentHashMap.newKeySet();
    /** The newest snapshot of each task not yet stored; a newer one replaces it. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    /**
     * This process's members of the job's consumer group: per main consumer (its client id), the member id the group
     * gave it at its latest assignment. Not the client id alone: a static member (group.instance.id) that a new
     * process replaces keeps the client id it first joined with.
     */
    private final Map<String, String> members = new ConcurrentHashMap<>();
    /** Stores Kafka Streams closed while shutting down: the tasks a savepoint covers. */
    private final List<ClosedStore> closedAtShutdown = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean shuttingDown;
    /** Counted down once the savepoints of a graceful shutdown are written; close() waits for it. */
    private final java.util.concurrent.CountDownLatch savepointsWritten = new java.util.concurrent.CountDownLatch(1);
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService uploader;

    /** A snapshot and what happened to it so far (touched by the uploader thread only). */
    private static final class Pending {
        final Snapshot snapshot;
        final Instant taken;
        /** Stored as a savepoint: asked for on demand, or replacing a snapshot that was. */
        final boolean savepoint;
        boolean confirmed;
        int failedAttempts;

        Pending(Snapshot snapshot, Instant taken, boolean savepoint) {
            this.snapshot = snapshot;
            this.taken = taken;
            this.savepoint = savepoint;
        }
    }

    /**
     * @param checkpoints  the job's checkpoints, read and written
     * @param restoreFrom  savepoints of another job, for tasks this job has no checkpoint of yet
     * @param admin        for changelog ends and the job's committed offsets
     * @param groupId      the job's consumer group (its application id)
     * @param stateDir     the job's state directory: {@code <state.dir>/<application id>}
     */
    public StateCheckpointer(TaskCheckpoints checkpoints, Optional<TaskCheckpoints> restoreFrom, Admin admin,
                             String groupId, Duration interval, Path stateDir, CheckpointMetrics metrics, Clock clock) {
        this.checkpoints = checkpoints;
        this.restoreFrom = restoreFrom;
        this.admin = admin;
        this.groupId = groupId;
        this.interval = interval;
        this.stateDir = stateDir;
        this.snapshotRoot = stateDir.resolve(SNAPSHOTS_FOLDER);
        this.prefetch = new CheckpointPrefetch(checkpoints, stateDir.resolve(PREFETCH_FOLDER));
        this.metrics = metrics;
        this.clock = clock;
        deleteQuietly(snapshotRoot);
        scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("weir-checkpoint-schedule"));
        uploader = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("weir-checkpoint-upload"));
        scheduler.scheduleWithFixedDelay(() -> takeSnapshots(false), interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The store the topology uses for a checkpointed key-value state store. */
    public CheckpointedStoreSupplier storeSupplier(String storeName) {
        return new CheckpointedStoreSupplier(storeName, this);
    }

    /**
     * The clients Kafka Streams should run this job's topology with: its main consumer reports assigned tasks, so
     * their checkpoints download side by side ({@link #tasksAssigned}).
     */
    public KafkaClientSupplier clientSupplier(Topology topology) {
        return new PrefetchingClientSupplier(this, topology.describe(), groupId);
    }

    /** A main consumer of this process (by its client id) was assigned partitions as group member {@code memberId}. */
    void member(String clientId, String memberId) {
        members.put(clientId, memberId);
    }

    void register(CheckpointedRocksStore store) {
        stores.add(store);
    }

    void unregister(CheckpointedRocksStore store) {
        stores.remove(store);
    }

    void closed(ClosedStore store) {
        if (shuttingDown) {
            closedAtShutdown.add(store);
        }
    }

    /**
     * Kafka Streams' state listener: a graceful shutdown (PENDING_SHUTDOWN, then NOT_RUNNING) ends with a savepoint
     * of every task the process had, written before the close returns.
     */
    public void onStateChange(KafkaStreams.State now, KafkaStreams.State before) {
        if (now == KafkaStreams.State.PENDING_SHUTDOWN) {
            shuttingDown = true;
        } else if (now == KafkaStreams.State.NOT_RUNNING && before == KafkaStreams.State.PENDING_SHUTDOWN) {
            // KafkaStreams.close() returns before its listener is done: close() below waits for this
            try {
                scheduler.shutdownNow();
                Savepoints.write(List.copyOf(closedAtShutdown), checkpoints, snapshotRoot, metrics);
            } finally {
                savepointsWritten.countDown();
            }
        }
    }

    /**
     * The consumer's rebalance listener: tasks newly assigned to this process. Those without local state start
     * downloading their latest checkpoint now, side by side, rather than one by one as Kafka Streams initialises
     * them; savepoints of {@code restoreFrom} are still read at init.
     */
    public void tasksAssigned(Collection<String> taskIds) {
        for (String taskId : taskIds) {
            if (!CheckpointedRocksStore.hasLocalState(stateDir.resolve(taskId))) {
                prefetch.start(taskId);
            }
        }
    }

    /** The consumer's rebalance listener: tasks revoked or lost; a download for one that never started is dropped. */
    public void tasksRevoked(Collection<String> taskIds) {
        taskIds.forEach(prefetch::discard);
    }

    /**
     * Fills emptyDir with the task's latest checkpoint (prefetched when the task was assigned, or downloaded now), or
     * else a savepoint of {@code restoreFrom}.
     *
     * @return the changelog offset to replay from: the checkpoint's, 0 after a savepoint (this job's changelog
     *         holds only what was written on top of it), empty for a full replay
     * @throws ProcessorStateException when the job starts from a savepoint that cannot be read: its own changelog
     *         does not hold that state, so replaying it alone would give wrong state
     */
    Optional<Long> restore(String taskId, Path emptyDir, TopicPartition changelog) {
        long start = System.nanoTime();
        Optional<CheckpointInfo> latest;
        Optional<Optional<CheckpointInfo>> prefetched = Optional.empty();
        try {
            prefetched = prefetch.take(taskId, emptyDir);
            latest = prefetched.isPresent() ? prefetched.get() : checkpoints.restoreLatest(taskId, emptyDir);
        } catch (CheckpointException | RuntimeException e) {
            return fallBack(taskId, emptyDir, changelog, e.getMessage());
        }
        if (latest.isPresent()) {
            return fromCheckpoint(latest.get(), emptyDir, changelog, Duration.ofNanos(System.nanoTime() - start),
                    prefetched.isPresent());
        }
        return fromSavepoint(taskId, emptyDir, changelog);
    }

    /** @param waited how long the task's init waited for the download; prefetched: it began at assignment */
    private Optional<Long> fromCheckpoint(CheckpointInfo info, Path dir, TopicPartition changelog, Duration waited,
                                          boolean prefetched) {
        Long offset = info.changelogOffsets().get(changelog.toString());
        if (offset == null) {
            return fallBack(info.taskId(), dir, changelog, "checkpoint " + info.location()
                    + " has no offset for changelog " + changelog);
        }
        Duration age = Duration.between(info.createdAt(), clock.instant());
        if (age.compareTo(MAX_CHECKPOINT_AGE) > 0) {
            return fallBack(info.taskId(), dir, changelog, "checkpoint " + info.location() + " is " + age
                    + " old, more than " + MAX_CHECKPOINT_AGE + ": the changelog may have lost deletions since");
        }
        LOG.infof("task %s restored from checkpoint %s (%d bytes, %s, waited %d ms); the changelog %s is replayed from"
                + " offset %d", info.taskId(), info.location(), info.totalBytes(),
                prefetched ? "prefetched when the task was assigned" : "downloaded at task start", waited.toMillis(),
                changelog, offset);
        metrics.restored(CheckpointMetrics.Restore.checkpoint);
        return Optional.of(offset);
    }

    /** The task's state when this job has no usable checkpoint of it: a savepoint of restoreFrom, or none. */
    private Optional<Long> fromSavepoint(String taskId, Path dir, TopicPartition changelog) {
        if (restoreFrom.isEmpty()) {
            LOG.infof("task %s has no checkpoint: its state comes from the whole changelog %s", taskId, changelog);
            metrics.restored(CheckpointMetrics.Restore.none);
            return Optional.empty();
        }
        URI savepoints = restoreFrom.get().jobLocation();
        try {
            if (restoreFrom.get().restoreLatest(taskId, dir).isPresent()) {
                LOG.infof("task %s starts from a savepoint of %s; the changelog %s is replayed from its start", taskId,
                        savepoints, changelog);
                metrics.restored(CheckpointMetrics.Restore.savepoint);
                return Optional.of(0L);
            }
        } catch (CheckpointException | RuntimeException e) {
            clear(dir);
            throw new ProcessorStateException("task " + taskId + ": cannot read the savepoint at " + savepoints
                    + " that spec.restoreFrom names (" + e.getMessage() + "). This job's changelog does not hold that"
                    + " state, so the task does not start without it; it is retried when the pod restarts", e);
        }
        LOG.infof("task %s: %s has no savepoint of it (the task had no state there); its state comes from the"
                + " changelog %s", taskId, savepoints, changelog);
        metrics.restored(CheckpointMetrics.Restore.none);
        return Optional.empty();
    }

    /**
     * A checkpoint that cannot be used: the whole changelog, over the restoreFrom savepoint when the job started from
     * one (the changelog holds only what was written on top of it).
     */
    private Optional<Long> fallBack(String taskId, Path dir, TopicPartition changelog, String why) {
        LOG.warnf("task %s: checkpoint not used (%s); restoring its state from the whole changelog %s instead",
                taskId, why, changelog);
        metrics.restored(CheckpointMetrics.Restore.fallback);
        clear(dir);
        return restoreFrom.isPresent() ? fromSavepoint(taskId, dir, changelog) : Optional.empty();
    }

    /**
     * An on-demand savepoint: a snapshot of every open store, changed or not, taken on the checkpointer's thread and
     * stored as a savepoint once its input is committed, as a periodic checkpoint is.
     */
    public void requestSavepoint() {
        if (!scheduler.isShutdown()) {
            scheduler.execute(() -> takeSnapshots(true));
        }
    }

    /** Every interval: the committed end of each changelog, then a RocksDB checkpoint of its store. */
    private void takeSnapshots(boolean savepoint) {
        List<CheckpointedRocksStore> open = List.copyOf(stores);
        if (open.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends;
        try {
            Map<TopicPartition, OffsetSpec> request = open.stream()
                    .collect(Collectors.toMap(CheckpointedRocksStore::changelog, s -> OffsetSpec.latest(), (a, b) -> a));
            ends = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(BROKER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            failed("cannot read the changelog ends from the broker: " + e.getMessage());
            return;
        }
        for (CheckpointedRocksStore store : open) {
            String taskId = store.taskId().toString();
            Path dir = null;
            try {
                Files.createDirectories(snapshotRoot);
                dir = snapshotRoot.resolve(taskId + "-" + UUID.randomUUID());
                Optional<Snapshot> snapshot = store.snapshot(ends.get(store.changelog()).offset(), dir, savepoint);
                if (snapshot.isPresent()) {
                    submit(snapshot.get(), savepoint);
                }
            } catch (IOException | RocksDBException | RuntimeException e) {
                deleteQuietly(dir);
                failed("cannot take a snapshot of task " + taskId + ": " + e.getMessage());
            }
        }
    }

    /** Queues the snapshot, replacing an older one of the task still waiting (a savepoint stays one). */
    private void submit(Snapshot snapshot, boolean savepoint) {
        Pending waiting = pending.get(snapshot.taskId());
        boolean asSavepoint = savepoint || (waiting != null && waiting.savepoint);
        Pending older = pending.put(snapshot.taskId(), new Pending(snapshot, clock.instant(), asSavepoint));
        if (older != null && !uploader.isShutdown()) {
            // on the uploader thread, so never under an upload of it
            uploader.execute(() -> deleteQuietly(older.snapshot.dir()));
        }
        schedule(snapshot.taskId(), Duration.ZERO);
    }

    private void failed(String message) {
        LOG.warn(message);
        metrics.failed(message, clock.instant());
    }

    /** One attempt at a time per task: a snapshot arriving during a retry's backoff waits for it. */
    private void schedule(String taskId, Duration delay) {
        if (!uploader.isShutdown() && scheduled.add(taskId)) {
            uploader.schedule(() -> {
                scheduled.remove(taskId);
                attempt(taskId);
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** On the uploader thread: store the task's pending snapshot once its input is committed. */
    private void attempt(String taskId) {
        Pending p = pending.get(taskId);
        if (p == null) {
            return;
        }
        Snapshot s = p.snapshot;
        try {
            if (!p.confirmed) {
                // committed first, open second: an aborted transaction's input is only committed again after
                // the task closed its store, so a store still open after the commit holds committed writes only
                // (the same incarnation: a revived task reopens the same store object)
                // and the task still this process's: see owner()
                Owner owner = committed(s) && s.storeOpen() ? owner(s) : Owner.UNKNOWN;
                if (owner == Owner.THIS_PROCESS) {
                    p.confirmed = true;
                } else if (owner == Owner.ANOTHER_PROCESS) {
                    drop(taskId, p);
                    return;
                } else if (!s.storeOpen() || Duration.between(p.taken, clock.instant()).compareTo(COMMIT_WAIT) > 0) {
                    LOG.debugf("snapshot of task %s dropped: its commit was not seen while the store was open", taskId);
                    drop(taskId, p);
                    return;
                } else {
                    schedule(taskId, COMMIT_POLL);
                    return;
                }
            }
            CheckpointInfo info = checkpoints.write(taskId, s.dir(), keyed(s.changelogOffsets()),
                    keyed(s.inputOffsets()), p.savepoint);
            if (p.savepoint) {
                LOG.infof("savepoint %s of task %s stored at %s", info.id(), taskId, info.location());
            } else {
                LOG.debugf("checkpoint %s of task %s stored: %d bytes, %d uploaded", info.id(), taskId,
                        info.totalBytes(), info.uploadedBytes());
            }
            metrics.stored(info.uploadedBytes(), clock.instant());
            drop(taskId, p);
        } catch (CheckpointException | RuntimeException e) {
            failed("checkpoint of task " + taskId + " failed: " + e.getMessage());
            retryLater(taskId, p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Retries the same snapshot (unless a newer one replaces it), backing off up to the interval. */
    private void retryLater(String taskId, Pending p) {
        p.failedAttempts++;
        long millis = FIRST_RETRY.toMillis() << Math.min(p.failedAttempts - 1, 20);
        schedule(taskId, Duration.ofMillis(Math.min(millis, interval.toMillis())));
    }

    private void drop(String taskId, Pending p) {
        pending.remove(taskId, p);
        deleteQuietly(p.snapshot.dir());
    }

    private enum Owner { THIS_PROCESS, ANOTHER_PROCESS, UNKNOWN }

    /**
     * Who the stable consumer group assigns the snapshot's input partitions to. A process that lost the task to
     * another one while its store stayed open (paused, cut off from the broker, its stream thread not yet told)
     * can still snapshot it, and the other owner's commits pass the commit wait; but its state lacks that owner's
     * writes, which are below the snapshot's changelog label. Such a snapshot is not stored. Moving the task back
     * to this process would close the store first (a lost or revoked task is closed), which the open check sees.
     */
    private Owner owner(Snapshot s) throws InterruptedException {
        if (s.inputOffsets().isEmpty()) {
            return Owner.THIS_PROCESS;
        }
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
                    .get(groupId).get(BROKER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (group.groupState() != GroupState.STABLE) {
                return Owner.UNKNOWN;
            }
            Collection<String> memberIds = members.values();
            Set<TopicPartition> ours = group.members().stream().filter(m -> memberIds.contains(m.consumerId()))
                    .flatMap(m -> m.assignment().topicPartitions().stream()).collect(Collectors.toSet());
            if (ours.containsAll(s.inputOffsets().keySet())) {
                return Owner.THIS_PROCESS;
            }
            LOG.infof("snapshot of task %s dropped: the group assigns its input %s to another member now (this"
                    + " process's members: %s; the group's: %s), whose writes this state may lack", s.taskId(),
                    s.inputOffsets().keySet(), memberIds, group.members().stream()
                            .map(m -> m.consumerId() + " " + m.assignment().topicPartitions()).toList());
            return Owner.ANOTHER_PROCESS;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.debugf("cannot describe the group %s yet: %s", groupId, e.getMessage());
            return Owner.UNKNOWN;
        }
    }

    /** Whether the consumer group has committed past every input record whose writes the snapshot holds. */
    private boolean committed(Snapshot s) throws InterruptedException {
        if (s.inputOffsets().isEmpty()) {
            return true;
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(
                            Map.of(groupId, new ListConsumerGroupOffsetsSpec().topicPartitions(s.inputOffsets().keySet())),
                            new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata(groupId).get(BROKER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return s.inputOffsets().entrySet().stream().allMatch(e -> {
                OffsetAndMetadata c = offsets.get(e.getKey());
                return c != null && c.offset() >= e.getValue();
            });
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.debugf("cannot read the committed offsets of %s yet: %s", groupId, e.getMessage());
            return false;
        }
    }

    private static Map<String, Long> keyed(Map<TopicPartition, Long> offsets) {
        Map<String, Long> out = new HashMap<>();
        offsets.forEach((tp, o) -> out.put(tp.toString(), o));
        return out;
    }

    private static void clear(Path dir) {
        try {
            LocalFiles.emptyFolder(dir);
        } catch (IOException e) {
            LOG.warnf("cannot empty %s: %s", dir, e.getMessage());
        }
    }

    static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            LocalFiles.deleteTree(path);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", path, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (shuttingDown) {
            try {
                if (!savepointsWritten.await(SAVEPOINT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warnf("savepoints not written within %s: the next start restores from the last checkpoints",
                            SAVEPOINT_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        scheduler.shutdownNow();
        uploader.shutdownNow();
        try {
            uploader.awaitTermination(BROKER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        prefetch.close();
        checkpoints.close();
        // after the store: its transfer threads write the downloads' files
        deleteQuietly(stateDir.resolve(PREFETCH_FOLDER));
        restoreFrom.ifPresent(TaskCheckpoints::close);
        admin.close(BROKER_TIMEOUT);
        deleteQuietly(snapshotRoot);
    }
}

package dev.weir.runtime.kafka.state;

import dev.weir.runtime.kafka.StreamsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.io.File;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import dev.weir.checkpoint.LocalFiles;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.internals.ProcessorStateManager;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.jboss.logging.Logger;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A task's key-value state in a RocksDB database this class opens itself, so that it can take RocksDB
 * checkpoints of it. Kafka Streams wraps it with its cache and change-logging layers as usual; this store
 * only adds: seeding an empty store from the job's latest checkpoint on init, and RocksDB checkpoints taken by the
 * {@link StateCheckpointer}'s thread while the stream thread goes on writing. See docs/checkpoints.md.
 *
 * <p>Kafka Streams may initialise the same object again: a task whose transaction failed is closed dirty, its folder
 * wiped, and revived with the same stores, which then restore from the changelog while the process runs on. Each
 * init is an <em>incarnation</em>: a snapshot belongs to the one it was taken of, and until the incarnation's first
 * write from processing (its restore is over by then) a snapshot is labelled with the changelog offset its restore
 * reached, never with the broker's end, which the database does not hold yet.
 *
 * <p>Under exactly-once, local files are reused only after a clean close. Kafka Streams' state updater writes the
 * task's offset file when a restore completes, and it stays while the task runs, but the database takes writes of
 * transactions that have not committed yet (a commit flushes before the transaction commits; a snapshot flushes at
 * any time). A process killed then leaves those writes on disk behind an offset file that does not cover them, and
 * Kafka Streams, finding the file, reuses the files instead of treating the task as corrupted: windows deleted or
 * counted by a transaction that never committed. So each close leaves a marker, each init removes it, and an init
 * that finds the database without one drops it and restores from the checkpoint and the changelog instead.
 */
final class CheckpointedRocksStore implements KeyValueStore<Bytes, byte[]> {
    private static final Logger LOG = Logger.getLogger(CheckpointedRocksStore.class);
    /** Folder of the database inside the task directory; Kafka Streams' own stores use {@code rocksdb}. */
    static final String DB_FOLDER = "weir-rocksdb";

    /** Beside a store's database: its last incarnation closed it (absent while open, and after a crash). */
    private static final String CLOSED_SUFFIX = ".closed";

    /**
     * Whether a task's directory already holds the databases of its stores (nothing to restore from a checkpoint). A
     * database a killed process left counts too: under exactly-once its init then downloads the checkpoint itself,
     * rather than have a download started here that an at-least-once init, which keeps such files, would never take.
     */
    static boolean hasLocalState(Path taskDir) {
        return Files.isDirectory(taskDir.resolve(DB_FOLDER));
    }

    private static Path closedMarker(Path dbDir) {
        return dbDir.resolveSibling(dbDir.getFileName() + CLOSED_SUFFIX);
    }

    /** Whether the job runs under exactly-once (Kafka Streams' {@code processing.guarantee}). */
    private static boolean exactlyOnce(StateStoreContext context) {
        return StreamsSettings.exactlyOnce(context.appConfigs());
    }

    private final String name;
    private final StateCheckpointer checkpointer;
    private final Set<RocksRange> openIterators = ConcurrentHashMap.newKeySet();
    private final Position position = Position.emptyPosition();
    /** Input offset + 1 of the newest record whose writes reached the database, per input partition; updated
     *  before each write, so a snapshot holding a write is never ahead of it. */
    private final Map<TopicPartition, Long> writtenUpTo = new ConcurrentHashMap<>();
    /** Orders snapshots (checkpointer thread) and closing the database (stream thread). */
    private final Object lifecycle = new Object();
    private StateStoreContext context;
    private TaskId taskId;
    private TopicPartition changelog;
    private Path taskDir;
    private Path dbDir;
    private Options options;
    private WriteOptions writeOptions;
    private FlushOptions flushOptions;
    private RocksDB db;
    private boolean writtenSinceFlush;
    private volatile boolean writtenSinceSnapshot;
    private volatile boolean open;
    /** Counts inits of this object (see the class comment); a snapshot holds the one it was taken of. */
    private volatile int incarnation;
    /** Whether this incarnation has written from processing: its restore is over. */
    private volatile boolean processing;
    /** One past the newest changelog record this incarnation's database holds from its start and its restore. */
    private volatile long restoredUpTo;

    CheckpointedRocksStore(String name, StateCheckpointer checkpointer) {
        this.name = name;
        this.checkpointer = checkpointer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        this.context = context;
        taskId = context.taskId();
        changelog = new TopicPartition(
                ProcessorStateManager.storeChangelogTopic(context.applicationId(), name, null), taskId.partition());
        taskDir = context.stateDir().toPath();
        dbDir = taskDir.resolve(DB_FOLDER).resolve(name);
        Path dir = dbDir;
        // a new incarnation: nothing of an earlier one (a revived task's) counts for its snapshots
        writtenUpTo.clear();
        writtenSinceSnapshot = false;
        processing = false;
        if (++incarnation > 1) {
            LOG.infof("task %s: store %s initialised again (a task closed dirty and revived, e.g. after a commit"
                    + " timed out); its snapshots wait for its restore", taskId, name);
        }
        try {
            Path closed = closedMarker(dir);
            boolean closedCleanly = Files.exists(closed);
            // from here until its close, this incarnation's files may hold writes of uncommitted transactions
            Files.deleteIfExists(closed);
            if (Files.isDirectory(dir) && !closedCleanly && exactlyOnce(context)) {
                LOG.infof("task %s: store %s was not closed (its process died): its files may hold writes of"
                        + " transactions that never committed, so they are dropped and the state restored from the"
                        + " checkpoint and the changelog", taskId, name);
                LocalFiles.deleteTree(dir);
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                // a store with no local files: start from the latest checkpoint, the changelog tail after it
                Optional<Long> from = checkpointer.restore(taskId.toString(), dir, changelog);
                TaskOffsetFile.replace(context.stateDir().toPath(), changelog, from);
                restoredUpTo = from.orElse(0L);
            } else {
                restoredUpTo = localStateEnd();
            }
            RocksDB.loadLibrary();
            options = new Options().setCreateIfMissing(true).setCompressionType(CompressionType.LZ4_COMPRESSION);
            // the changelog is the log: like Kafka Streams' own stores, no write-ahead log, a flush on every commit
            writeOptions = new WriteOptions().setDisableWAL(true);
            flushOptions = new FlushOptions().setWaitForFlush(true);
            db = RocksDB.open(options, dir.toString());
        } catch (IOException | RocksDBException e) {
            throw new ProcessorStateException("cannot open the state of task " + taskId + " in " + dir, e);
        }
        context.register(root, (RecordBatchingStateRestoreCallback) this::restoreBatch);
        open = true;
        checkpointer.register(this);
    }

    /**
     * Where the restore of local state starts: one past the offset in the task's {@code .checkpoint} file, which
     * Kafka Streams reads after every store's init; 0 (the whole changelog) when it has none.
     */
    private long localStateEnd() throws IOException {
        Long last = new OffsetCheckpoint(new File(taskDir.toFile(), TaskOffsetFile.NAME)).read().get(changelog);
        return last == null ? 0L : last + 1;
    }

    /** Applies changelog records (null value: deleted) in one batch; on the restoring thread. */
    private void restoreBatch(Collection<ConsumerRecord<byte[], byte[]>> records) {
        long end = -1;
        try (WriteBatch batch = new WriteBatch()) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.value() == null) {
                    batch.delete(r.key());
                } else {
                    batch.put(r.key(), r.value());
                }
                end = Math.max(end, r.offset() + 1);
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new ProcessorStateException("cannot restore the state of task " + taskId, e);
        }
        // after the write: a snapshot labelled with it holds every record below it
        if (end > restoredUpTo) {
            restoredUpTo = end;
        }
    }

    TaskId taskId() {
        return taskId;
    }

    TopicPartition changelog() {
        return changelog;
    }

    /** Whether the incarnation a snapshot was taken of is still open: not closed, nor closed and revived since. */
    boolean isOpen(int incarnation) {
        synchronized (lifecycle) {
            return open && this.incarnation == incarnation;
        }
    }

    /**
     * On the checkpointer's thread: a RocksDB checkpoint (hard links) into {@code dir}, unless the store is closed
     * or, without {@code evenUnchanged}, nothing was written since the last one.
     *
     * @param committedEnd  the changelog's committed end, read from the broker before this call: once this
     *                      incarnation processes, every changelog record below it is in the database (this process
     *                      wrote it, or restored it)
     * @param evenUnchanged for a savepoint, which is asked for whatever changed
     */
    Optional<Snapshot> snapshot(long committedEnd, Path dir, boolean evenUnchanged) throws RocksDBException {
        synchronized (lifecycle) {
            if (!open || !(writtenSinceSnapshot || evenUnchanged)) {
                return Optional.empty();
            }
            writtenSinceSnapshot = false;
            // read before the checkpoint: while the store restores, the database holds the changelog only up to
            // where the restore got, whatever the broker's end
            long label = processing ? committedEnd : Math.min(committedEnd, restoredUpTo);
            try (Checkpoint checkpoint = Checkpoint.create(db)) {
                checkpoint.createCheckpoint(dir.toString());
            }
            // read after the checkpoint: covers every write in it, perhaps a few more (a stricter commit wait)
            return Optional.of(new Snapshot(this, incarnation, dir, Map.of(changelog, label),
                    Map.copyOf(writtenUpTo)));
        }
    }

    @Override
    public void put(Bytes key, byte[] value) {
        written();
        try {
            if (value == null) {
                db.delete(writeOptions, key.get());
            } else {
                db.put(writeOptions, key.get(), value);
            }
        } catch (RocksDBException e) {
            throw new ProcessorStateException("cannot write the state of task " + taskId, e);
        }
        // after the write: a snapshot that clears this flag before taking its checkpoint never misses the write
        writtenSinceSnapshot = true;
    }

    /** Remembers which input record the write comes from: a snapshot is stored once that record's commit is. */
    private void written() {
        processing = true;
        writtenSinceFlush = true;
        // a punctuation's record has no input offset to wait for; the window processor writes only from records
        context.recordMetadata().filter(m -> m.topic() != null && m.offset() >= 0).ifPresent(m -> writtenUpTo.merge(
                new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max));
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] old = get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> e : entries) {
            put(e.key, e.value);
        }
    }

    @Override
    public byte[] delete(Bytes key) {
        byte[] old = get(key);
        put(key, null);
        return old;
    }

    @Override
    public byte[] get(Bytes key) {
        try {
            return db.get(key.get());
        } catch (RocksDBException e) {
            throw new ProcessorStateException("cannot read the state of task " + taskId, e);
        }
    }

    /** Keys from {@code from} to {@code to}, both included; nothing when from is after to. */
    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        return iterator(from == null ? null : from.get(), to == null ? null : to.get());
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return iterator(null, null);
    }

    private KeyValueIterator<Bytes, byte[]> iterator(byte[] from, byte[] toInclusive) {
        RocksRange[] self = new RocksRange[1];
        self[0] = new RocksRange(db.newIterator(), from, toInclusive, () -> openIterators.remove(self[0]));
        openIterators.add(self[0]);
        return self[0];
    }

    @Override
    public long approximateNumEntries() {
        try {
            return db.getLongProperty("rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            throw new ProcessorStateException("cannot count the state of task " + taskId, e);
        }
    }

    /** Memtable to disk: there is no write-ahead log, and Kafka Streams writes its offset file after this. */
    @Override
    public void flush() {
        if (writtenSinceFlush) {
            try {
                db.flush(flushOptions);
            } catch (RocksDBException e) {
                throw new ProcessorStateException("cannot flush the state of task " + taskId, e);
            }
            writtenSinceFlush = false;
        }
    }

    @Override
    public void close() {
        checkpointer.unregister(this);
        synchronized (lifecycle) {
            open = false;
            for (RocksRange it : List.copyOf(openIterators)) {
                it.close();
            }
            if (db != null) {
                db.close();
                writeOptions.close();
                flushOptions.close();
                options.close();
                db = null;
                // a dirty close under exactly-once is followed by Kafka Streams wiping the task's folder, marker too
                try {
                    Files.writeString(closedMarker(dbDir), "");
                } catch (IOException e) {
                    LOG.warnf("task %s: cannot mark store %s closed (%s); its next start restores it", taskId, name,
                            e.getMessage());
                }
            }
        }
        checkpointer.closed(new ClosedStore(taskId.toString(), taskDir, dbDir, changelog));
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Position getPosition() {
        return position;
    }
}

package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.LocalFiles;
import dev.weir.checkpoint.TaskCheckpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * How a snapshot of a store is labelled and whether it may still be stored, on a real RocksDB database, with the
 * context Kafka Streams gives a store played by the test: a store restoring from its changelog (after a revive, as
 * Kafka Streams does with a task whose transaction failed: closed, its folder wiped, the same store initialised
 * again), and a snapshot of an incarnation that has been closed.
 */
class CheckpointedRocksStoreTest {
    private static final String APP = "weir-job";
    private static final TaskId TASK = new TaskId(1, 0);
    private static final TopicPartition INPUT = new TopicPartition(APP + "-keyed", 0);

    @TempDir
    Path tmp;

    private StateCheckpointer checkpointer;
    private Context context;
    private CheckpointedRocksStore store;
    private TopicPartition changelog;

    @BeforeEach
    void setUp() {
        // the broker is never contacted: the test takes the snapshots itself
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9"));
        checkpointer = new StateCheckpointer(TaskCheckpoints.open(tmp.resolve("store").toUri(), APP,
                CheckpointSettings.defaults()), Optional.empty(), admin, APP, Duration.ofHours(1),
                tmp.resolve("state"), new CheckpointMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
        context = new Context(tmp.resolve("state").resolve(TASK.toString()));
        store = new CheckpointedRocksStore("window-store", checkpointer);
        changelog = new TopicPartition(APP + "-window-store-changelog", 0);
    }

    @AfterEach
    void tearDown() {
        if (store.isOpen()) {
            store.close();
        }
        checkpointer.close();
    }

    @Test
    void aRevivedStoreStillRestoringIsLabelledWithWhatItRestoredNotTheBrokersEnd() throws Exception {
        store.init(context, store);
        context.restore(changelogRecords(0, 10));
        process(10, "a", "1");
        process(11, "b", "2");
        store.close();
        LocalFiles.deleteTree(context.dir);   // what Kafka Streams does to a task closed dirty under exactly-once

        store.init(context, store);
        context.restore(changelogRecords(0, 4));   // the restore got this far when the checkpointer runs
        // the broker's end is 12: the records 4-11 are committed, but not in this database yet
        Optional<Snapshot> periodic = store.snapshot(12, tmp.resolve("snap-1"), false);
        if (periodic.isPresent()) {
            assertEquals(Map.of(changelog, 4L), periodic.get().changelogOffsets(), "a restore from it would miss 4-11");
            LocalFiles.deleteTree(periodic.get().dir());
        }
        Snapshot savepoint = store.snapshot(12, tmp.resolve("snap-2"), true).orElseThrow();
        assertEquals(Map.of(changelog, 4L), savepoint.changelogOffsets(),
                "the savepoint holds changelog records 0-3 only: a restore from it must replay from 4");
        assertEquals(4, keysIn(savepoint.dir()), "the records the restore applied, and nothing else");
        LocalFiles.deleteTree(savepoint.dir());
    }

    @Test
    void aStoreThatHasNotWrittenSinceItsRestoreIsNotSnapshottedButASavepointLabelsWhatItRestored() throws Exception {
        store.init(context, store);
        context.restore(changelogRecords(0, 6));
        assertTrue(store.snapshot(12, tmp.resolve("snap-1"), false).isEmpty(),
                "nothing written by processing since the restore: the last checkpoint still holds this state");
        Snapshot savepoint = store.snapshot(12, tmp.resolve("snap-2"), true).orElseThrow();
        assertEquals(Map.of(changelog, 6L), savepoint.changelogOffsets());
        LocalFiles.deleteTree(savepoint.dir());
    }

    @Test
    void onceProcessingWritesTheSnapshotIsLabelledWithTheBrokersEndAndWaitsForItsInput() throws Exception {
        store.init(context, store);
        context.restore(changelogRecords(0, 3));
        process(7, "a", "1");
        Snapshot snapshot = store.snapshot(9, tmp.resolve("snap-1"), false).orElseThrow();
        assertEquals(Map.of(changelog, 9L), snapshot.changelogOffsets());
        assertEquals(Map.of(INPUT, 8L), snapshot.inputOffsets());
        assertTrue(snapshot.storeOpen());
        LocalFiles.deleteTree(snapshot.dir());
    }

    @Test
    void aSnapshotOfAnIncarnationClosedSinceIsNotStoredEvenWhenTheSameStoreIsOpenAgain() throws Exception {
        store.init(context, store);
        process(3, "a", "1");
        Snapshot snapshot = store.snapshot(1, tmp.resolve("snap-1"), false).orElseThrow();
        store.close();
        LocalFiles.deleteTree(context.dir);
        store.init(context, store);
        assertTrue(store.isOpen());
        assertFalse(snapshot.storeOpen(), "it may hold writes of a transaction that was aborted");
        LocalFiles.deleteTree(snapshot.dir());
    }

    /** A write from processing the input record at {@code offset}, through the store as the stream thread does. */
    private void process(long offset, String key, String value) {
        context.metadata = Optional.of(new Metadata(INPUT, offset));
        store.put(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8)), value.getBytes(StandardCharsets.UTF_8));
        context.metadata = Optional.empty();
    }

    private List<ConsumerRecord<byte[], byte[]>> changelogRecords(long from, long to) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (long o = from; o < to; o++) {
            records.add(new ConsumerRecord<>(changelog.topic(), changelog.partition(), o,
                    ("k" + o).getBytes(StandardCharsets.UTF_8), ("v" + o).getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    private static int keysIn(Path db) throws Exception {
        RocksDB.loadLibrary();
        int n = 0;
        try (Options options = new Options(); RocksDB read = RocksDB.openReadOnly(options, db.toString());
             var it = read.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    private record Metadata(TopicPartition tp, long offset) implements RecordMetadata {
        @Override
        public String topic() {
            return tp.topic();
        }

        @Override
        public int partition() {
            return tp.partition();
        }
    }

    /** What Kafka Streams gives a store: its task, folder and the record being processed; keeps its restore callback. */
    private static final class Context implements StateStoreContext {
        final Path dir;
        Optional<RecordMetadata> metadata = Optional.empty();
        StateRestoreCallback callback;

        Context(Path dir) {
            this.dir = dir;
        }

        /** Kafka Streams' restore of a changelog batch (read-committed records, with their offsets). */
        void restore(List<ConsumerRecord<byte[], byte[]>> records) {
            ((RecordBatchingStateRestoreCallback) callback).restoreBatch(records);
        }

        @Override
        public String applicationId() {
            return APP;
        }

        @Override
        public TaskId taskId() {
            return TASK;
        }

        @Override
        public Optional<RecordMetadata> recordMetadata() {
            return metadata;
        }

        @Override
        public Serde<?> keySerde() {
            return null;
        }

        @Override
        public Serde<?> valueSerde() {
            return null;
        }

        @Override
        public File stateDir() {
            return dir.toFile();
        }

        @Override
        public StreamsMetrics metrics() {
            return null;
        }

        @Override
        public void register(StateStore store, StateRestoreCallback stateRestoreCallback) {
            callback = stateRestoreCallback;
        }

        @Override
        public void register(StateStore store, StateRestoreCallback stateRestoreCallback, CommitCallback checkpoint) {
            callback = stateRestoreCallback;
        }

        @Override
        public Map<String, Object> appConfigs() {
            return Map.of();
        }

        @Override
        public Map<String, Object> appConfigsWithPrefix(String prefix) {
            return Map.of();
        }
    }
}

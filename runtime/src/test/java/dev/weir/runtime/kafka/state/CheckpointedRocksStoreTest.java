package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.LocalFiles;
import dev.weir.checkpoint.TaskCheckpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.apache.kafka.streams.processor.TaskId;
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
    private StoreContext context;
    private CheckpointedRocksStore store;
    private TopicPartition changelog;

    @BeforeEach
    void setUp() {
        // the broker is never contacted: the test takes the snapshots itself
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9"));
        checkpointer = new StateCheckpointer(TaskCheckpoints.open(tmp.resolve("store").toUri(), APP,
                CheckpointSettings.defaults()), Optional.empty(), admin, APP, Duration.ofHours(1),
                tmp.resolve("state"), new CheckpointMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
        context = new StoreContext(APP, TASK, tmp.resolve("state").resolve(TASK.toString()));
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

    /**
     * Under exactly-once a process killed while its task runs leaves the state updater's offset file (written when
     * the task's restore completed) beside files that hold writes of a transaction that never committed: the next
     * start must not reuse them. The full fault run lost two windows and wrote two twice this way (docs/faults.md).
     */
    @Test
    void underExactlyOnceFilesAKilledProcessLeftAreDroppedThoughAnOffsetFileIsThere() throws Exception {
        StoreContext eos = exactlyOnceContext();
        store.init(eos, store);
        eos.restore(changelogRecords(0, 3));
        // what Kafka Streams' state updater writes once the restore is complete; it stays while the task runs
        TaskOffsetFile.replace(eos.dir, changelog, Optional.of(3L));
        eos.process(store, INPUT, 7, "uncommitted", "x");
        store.flush();   // a commit flushes the store before its transaction commits
        killed(eos.dir);

        CheckpointedRocksStore next = new CheckpointedRocksStore("window-store", checkpointer);
        next.init(eos, next);
        try {
            assertNull(next.get(key("uncommitted")), "a write of a transaction that never committed");
            assertFalse(new OffsetCheckpoint(eos.dir.resolve(TaskOffsetFile.NAME).toFile()).read()
                    .containsKey(changelog), "the changelog is replayed from its start, not after the offset file's");
            eos.restore(changelogRecords(0, 3));
            assertEquals("v2", new String(next.get(key("k2")), StandardCharsets.UTF_8));
        } finally {
            next.close();
        }
    }

    @Test
    void filesOfAStoreClosedCleanlyAreReused() throws Exception {
        StoreContext eos = exactlyOnceContext();
        store.init(eos, store);
        eos.restore(changelogRecords(0, 3));
        store.close();
        assertTrue(CheckpointedRocksStore.hasLocalState(eos.dir));

        CheckpointedRocksStore next = new CheckpointedRocksStore("window-store", checkpointer);
        next.init(eos, next);
        try {
            assertEquals("v0", new String(next.get(key("k0")), StandardCharsets.UTF_8), "no restore needed");
        } finally {
            next.close();
        }
    }

    /** The test's task in a job under exactly-once. */
    private StoreContext exactlyOnceContext() {
        return new StoreContext(APP, TASK, tmp.resolve("state").resolve(TASK.toString()),
                Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));
    }

    /**
     * What a SIGKILL leaves of a store: its flushed files and no sign of a close (the test closes the database, as
     * the process's end does, and removes what a close adds).
     */
    private void killed(Path taskDir) throws Exception {
        store.close();
        try (var files = Files.list(taskDir.resolve(CheckpointedRocksStore.DB_FOLDER))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".closed")).toList()) {
                Files.delete(f);
            }
        }
    }

    private static Bytes key(String key) {
        return Bytes.wrap(key.getBytes(StandardCharsets.UTF_8));
    }

    /** A write from processing the input record at {@code offset}, through the store as the stream thread does. */
    private void process(long offset, String key, String value) {
        context.process(store, INPUT, offset, key, value);
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
}

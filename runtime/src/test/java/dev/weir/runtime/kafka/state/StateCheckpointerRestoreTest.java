package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which state a task starts from when the job was started from another job's savepoint ({@code spec.restoreFrom}),
 * whose base state the job's own changelog does not hold. Local-folder stores; no broker is contacted.
 */
class StateCheckpointerRestoreTest {
    private static final String TASK = "1_0";
    private static final TopicPartition CHANGELOG = new TopicPartition("weir-new-window-store-changelog", 0);

    @TempDir
    Path tmp;

    @Test
    void aCorruptCheckpointOfTheJobFallsBackToTheSavepointAndTheWholeChangelog() throws Exception {
        writeSavepoint("old", "savepoint state");
        try (TaskCheckpoints own = open("new")) {
            own.write(TASK, files("own", "checkpoint state"), Map.of(CHANGELOG.toString(), 42L), Map.of(), false);
        }
        corruptStoredFiles("new");

        try (Restoring restoring = new Restoring()) {
            Path dir = Files.createDirectories(tmp.resolve("restored"));
            assertEquals(Optional.of(0L), restoring.checkpointer.restore(TASK, dir, CHANGELOG),
                    "the savepoint with the changelog from its start, not the changelog alone");
            assertEquals("savepoint state", Files.readString(dir.resolve("000001.sst")));
        }
    }

    @Test
    void anUnreadableSavepointStopsTheTaskRatherThanStartingItEmpty() throws Exception {
        writeSavepoint("old", "savepoint state");
        corruptStoredFiles("old");

        try (Restoring restoring = new Restoring()) {
            Path dir = Files.createDirectories(tmp.resolve("restored"));
            ProcessorStateException e = assertThrows(ProcessorStateException.class,
                    () -> restoring.checkpointer.restore(TASK, dir, CHANGELOG));
            assertTrue(e.getMessage().contains("spec.restoreFrom"), e.getMessage());
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(0, left.count(), "nothing half-restored is left for the next attempt");
            }
        }
    }

    @Test
    void withoutRestoreFromACorruptCheckpointFallsBackToTheWholeChangelog() throws Exception {
        try (TaskCheckpoints own = open("new")) {
            own.write(TASK, files("own", "checkpoint state"), Map.of(CHANGELOG.toString(), 42L), Map.of(), false);
        }
        corruptStoredFiles("new");

        try (Restoring restoring = new Restoring(Optional.empty())) {
            Path dir = Files.createDirectories(tmp.resolve("restored"));
            assertEquals(Optional.empty(), restoring.checkpointer.restore(TASK, dir, CHANGELOG));
        }
    }

    private URI location() {
        return tmp.resolve("store").toUri();
    }

    private TaskCheckpoints open(String job) {
        return TaskCheckpoints.open(location(), job, CheckpointSettings.defaults());
    }

    private URI oldJobLocation() {
        try (TaskCheckpoints old = open("old")) {
            return old.jobLocation();
        }
    }

    private void writeSavepoint(String job, String content) throws Exception {
        try (TaskCheckpoints old = open(job)) {
            old.write(TASK, files(job + "-savepoint", content), Map.of(), Map.of(), true);
        }
    }

    private Path files(String name, String content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("000001.sst"), content);
        Files.writeString(dir.resolve("CURRENT"), "MANIFEST-000001\n");
        return dir;
    }

    /** Same size, other bytes: the checksum no longer matches. */
    private void corruptStoredFiles(String job) throws IOException {
        List<Path> stored;
        try (Stream<Path> all = Files.walk(Path.of(location()).resolve(job))) {
            stored = all.filter(Files::isRegularFile).filter(f -> f.toString().contains("/files/")).toList();
        }
        assertTrue(!stored.isEmpty(), "stored files of " + job);
        for (Path f : stored) {
            byte[] bytes = Files.readAllBytes(f);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) ~bytes[i];
            }
            Files.write(f, bytes);
        }
    }

    /** A checkpointer of job "new" whose spec.restoreFrom is job "old"'s folder. */
    private final class Restoring implements AutoCloseable {
        final StateCheckpointer checkpointer;

        Restoring() {
            this(Optional.of(TaskCheckpoints.openSavepoints(oldJobLocation(), CheckpointSettings.defaults())));
        }

        Restoring(Optional<TaskCheckpoints> restoreFrom) {
            Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9"));
            checkpointer = new StateCheckpointer(open("new"), restoreFrom, admin, "new", Duration.ofHours(1),
                    tmp.resolve("state"), new CheckpointMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
        }

        @Override
        public void close() {
            checkpointer.close();
        }
    }
}

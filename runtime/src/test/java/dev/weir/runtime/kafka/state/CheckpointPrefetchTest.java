package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints of newly assigned tasks download when the assignment is reported, and the task's init takes the
 * download. Local-folder store; no broker is contacted.
 */
class CheckpointPrefetchTest {
    private static final String JOB = "prefetch-job";
    private static final List<String> TASKS = List.of("1_0", "1_1");

    @TempDir
    Path tmp;
    private StateCheckpointer checkpointer;

    @BeforeEach
    void writeCheckpointsOfTwoTasks() throws IOException, Exception {
        try (TaskCheckpoints store = store()) {
            for (String task : TASKS) {
                store.write(task, files(task, "state of " + task), Map.of(changelog(task).toString(), 42L), Map.of(),
                        false);
            }
        }
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9"));
        checkpointer = new StateCheckpointer(store(), Optional.empty(), admin, JOB, Duration.ofHours(1), stateDir(),
                new CheckpointMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        checkpointer.close();
    }

    @Test
    void assignedTasksDownloadBeforeTheirInitAndTheInitTakesTheDownload() throws Exception {
        checkpointer.tasksAssigned(TASKS);
        for (String task : TASKS) {
            awaitPrefetched(task);
        }
        deleteStoredFiles(); // from here only the prefetched copies hold the state

        for (String task : TASKS) {
            Path dir = Files.createDirectories(tmp.resolve("restored-" + task));
            assertEquals(Optional.of(42L), checkpointer.restore(task, dir, changelog(task)));
            assertEquals("state of " + task, Files.readString(dir.resolve("000001.sst")));
        }
        assertEquals(List.of(), prefetchFolders(), "a taken download leaves nothing behind");
    }

    @Test
    void aRevokedTasksDownloadIsDeletedAndItsLaterInitDownloadsAgain() throws Exception {
        checkpointer.tasksAssigned(List.of("1_0"));
        checkpointer.tasksRevoked(List.of("1_0"));
        Awaitility.await("the revoked task's download deleted").atMost(Duration.ofSeconds(10))
                .until(() -> prefetchFolders().isEmpty());

        Path dir = Files.createDirectories(tmp.resolve("restored"));
        assertEquals(Optional.of(42L), checkpointer.restore("1_0", dir, changelog("1_0")));
        assertEquals("state of 1_0", Files.readString(dir.resolve("000001.sst")));
    }

    @Test
    void aTaskWithLocalStateIsNotDownloaded() throws Exception {
        Files.createDirectories(stateDir().resolve("1_0").resolve(CheckpointedRocksStore.DB_FOLDER).resolve("store"));
        checkpointer.tasksAssigned(TASKS);
        awaitPrefetched("1_1");
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> prefetchFolders().stream().noneMatch(f -> f.getFileName().toString().startsWith("1_0-")));
    }

    @Test
    void aCorruptPrefetchedCheckpointFallsBackToTheWholeChangelog() throws Exception {
        corruptStoredFiles();
        checkpointer.tasksAssigned(List.of("1_0"));

        Path dir = Files.createDirectories(tmp.resolve("restored"));
        assertEquals(Optional.empty(), checkpointer.restore("1_0", dir, changelog("1_0")),
                "no offset: the whole changelog");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "nothing of the corrupt checkpoint is left in the store's folder");
        }
        assertEquals(List.of(), prefetchFolders());
    }

    @Test
    void anAssignmentReportedWhileClosingIsIgnoredNotThrownIntoTheRebalance() throws Exception {
        checkpointer.tasksAssigned(List.of("1_0"));
        checkpointer.close();
        assertDoesNotThrow(() -> {
            checkpointer.tasksAssigned(TASKS);
            checkpointer.tasksRevoked(TASKS);
        });
        assertEquals(List.of(), prefetchFolders(), "closing deletes the downloads");
    }

    private static TopicPartition changelog(String task) {
        return new TopicPartition(JOB + "-window-store-changelog", Integer.parseInt(task.substring(2)));
    }

    private Path stateDir() {
        return tmp.resolve("state").resolve(JOB);
    }

    private TaskCheckpoints store() {
        return TaskCheckpoints.open(tmp.resolve("store").toUri(), JOB, CheckpointSettings.defaults());
    }

    private Path files(String name, String content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("source-" + name));
        Files.writeString(dir.resolve("000001.sst"), content);
        Files.writeString(dir.resolve("CURRENT"), "MANIFEST-000001\n");
        return dir;
    }

    private List<Path> prefetchFolders() throws IOException {
        Path root = stateDir().resolve(StateCheckpointer.PREFETCH_FOLDER);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(root)) {
            return folders.toList();
        }
    }

    /** Until the task's download folder holds its whole state file. */
    private void awaitPrefetched(String task) {
        Awaitility.await("the checkpoint of " + task + " downloaded").atMost(Duration.ofSeconds(10)).until(() ->
                prefetchFolders().stream().filter(f -> f.getFileName().toString().startsWith(task + "-"))
                        .map(f -> f.resolve("000001.sst")).anyMatch(f -> Files.isRegularFile(f)
                                && ("state of " + task).equals(readQuietly(f))));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }

    private List<Path> storedFiles() throws IOException {
        try (Stream<Path> all = Files.walk(tmp.resolve("store"))) {
            List<Path> stored = all.filter(Files::isRegularFile).filter(f -> f.toString().contains("/files/")).toList();
            assertTrue(!stored.isEmpty(), "the store holds the checkpoints' files");
            return stored;
        }
    }

    private void deleteStoredFiles() throws IOException {
        for (Path f : storedFiles()) {
            Files.delete(f);
        }
    }

    /** Same size, other bytes: the checksum no longer matches. */
    private void corruptStoredFiles() throws IOException {
        for (Path f : storedFiles()) {
            byte[] bytes = Files.readAllBytes(f);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) ~bytes[i];
            }
            Files.write(f, bytes);
        }
    }
}

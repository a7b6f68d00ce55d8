package dev.weir.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every checkpoint store does, whatever holds the objects: the file store ({@code FileTaskCheckpointsTest})
 * and S3 ({@code S3TaskCheckpointsIT}) run these same tests.
 */
abstract class TaskCheckpointsContract {

    static final String TASK = "0_1";
    static final Map<String, Long> CHANGELOG_OFFSETS = Map.of("job-store-changelog-1", 41L);
    static final Map<String, Long> INPUT_OFFSETS = Map.of("readings-1", 1234L);

    @TempDir
    Path temp;

    /** A location no other test uses. */
    abstract URI location();

    abstract CheckpointSettings settings();

    TaskCheckpoints open(String job) {
        return TaskCheckpoints.open(location(), job, settings());
    }

    /** The objects below the job's folder, as the store holds them (keys relative to the location). */
    Map<String, Long> storedObjects(String job) {
        try (ObjectStore store = ObjectStores.open(location(), settings())) {
            return store.list(job + "/").stream().collect(Collectors.toMap(StoredObject::key, StoredObject::size));
        }
    }

    Set<String> storedFiles(String job) {
        return storedObjects(job).keySet().stream().filter(key -> key.contains("/" + CheckpointLayout.FILES)).collect(Collectors.toSet());
    }

    void replaceObject(String key, byte[] content) {
        try (ObjectStore store = ObjectStores.open(location(), settings())) {
            store.put(key, content);
        }
    }

    void deleteObject(String key) {
        try (ObjectStore store = ObjectStores.open(location(), settings())) {
            store.delete(key);
        }
    }

    Path folder(String name, Map<String, String> files) {
        return CheckpointFiles.write(temp.resolve(name), files);
    }

    @Test
    void restoresWhatWasWritten() throws Exception {
        Map<String, String> files = Map.of("000007.sst", "seven", "CURRENT", "MANIFEST-000009\n", "store-b/000001.sst", "b");
        try (TaskCheckpoints checkpoints = open("round-trip")) {
            CheckpointInfo written = checkpoints.write(TASK, folder("local", files), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            Path restored = temp.resolve("restored");

            CheckpointInfo info = checkpoints.restoreLatest(TASK, restored).orElseThrow();

            assertEquals(files, CheckpointFiles.read(restored));
            assertEquals(written, info);
            assertEquals(TASK, info.taskId());
            assertFalse(info.savepoint());
            assertEquals(CHANGELOG_OFFSETS, info.changelogOffsets());
            assertEquals(INPUT_OFFSETS, info.inputOffsets());
            assertEquals(5 + 16 + 1, info.totalBytes());
            assertEquals(info.totalBytes(), info.uploadedBytes());
            assertTrue(info.location().toString().startsWith(checkpoints.jobLocation().toString()), info.location().toString());
            assertEquals(List.of(info), checkpoints.list());
        }
    }

    @Test
    void aTaskWithoutCheckpointsRestoresNothing() throws Exception {
        try (TaskCheckpoints checkpoints = open("nothing-yet")) {
            assertEquals(Optional.empty(), checkpoints.restoreLatest(TASK, temp.resolve("restored")));
            assertEquals(List.of(), checkpoints.list());
        }
    }

    @Test
    void uploadsOnlyTheFilesItHasNotStored() throws Exception {
        Map<String, String> files = new HashMap<>(CheckpointFiles.numbered(100, 1000));
        try (TaskCheckpoints checkpoints = open("incremental")) {
            CheckpointInfo full = checkpoints.write(TASK, folder("first", files), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            files.put("000042.sst", CheckpointFiles.content("changed", 1500));

            CheckpointInfo incremental = checkpoints.write(TASK, folder("second", files), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);

            assertEquals(100_000, full.uploadedBytes());
            assertEquals(1500, incremental.uploadedBytes());
            assertEquals(99_000 + 1500, incremental.totalBytes());
            assertEquals(101, storedFiles("incremental").size());
            checkpoints.restoreLatest(TASK, temp.resolve("restored"));
            assertEquals(files, CheckpointFiles.read(temp.resolve("restored")));
        }
    }

    @Test
    void aCheckpointWithoutItsManifestIsInvisible() throws Exception {
        try (TaskCheckpoints checkpoints = open("manifest-last")) {
            CheckpointInfo complete = checkpoints.write(TASK, folder("first", Map.of("a.sst", "a")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            CheckpointInfo unfinished = checkpoints.write(TASK, folder("second", Map.of("b.sst", "b")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            deleteObject(manifestKey("manifest-last", unfinished));
            assertTrue(storedFiles("manifest-last").stream().anyMatch(key -> key.contains("b.sst")), "the unfinished checkpoint's file stays stored");

            assertEquals(List.of(complete), checkpoints.list());
            assertEquals(Optional.of(complete), checkpoints.restoreLatest(TASK, temp.resolve("restored")));
            assertEquals(Map.of("a.sst", "a"), CheckpointFiles.read(temp.resolve("restored")));
        }
    }

    @Test
    void retentionKeepsTheNewestCheckpointsAndSavepointsAndDeletesOnlyUnreferencedFiles() throws Exception {
        String job = "retention";
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(location(), job, settings().withRetainedCheckpoints(2))) {
            CheckpointInfo savepoint = checkpoints.write(TASK, folder("s", Map.of("shared.sst", "shared", "saved.sst", "saved")),
                    CHANGELOG_OFFSETS, INPUT_OFFSETS, true);
            CheckpointInfo first = checkpoints.write(TASK, folder("c1", Map.of("shared.sst", "shared", "first.sst", "1")),
                    CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            CheckpointInfo second = checkpoints.write(TASK, folder("c2", Map.of("shared.sst", "shared", "second.sst", "2")),
                    CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            CheckpointInfo third = checkpoints.write(TASK, folder("c3", Map.of("shared.sst", "shared", "third.sst", "3")),
                    CHANGELOG_OFFSETS, INPUT_OFFSETS, false);

            assertEquals(Set.of(third, second, savepoint), Set.copyOf(checkpoints.list()));
            assertFalse(storedObjects(job).containsKey(manifestKey(job, first)));
            assertEquals(Set.of("shared.sst", "saved.sst", "second.sst", "third.sst"),
                    storedFiles(job).stream().map(key -> key.substring(key.lastIndexOf('/') + 1, key.indexOf('@')))
                            .collect(Collectors.toSet()));
        }
    }

    @Test
    void restoresTheNewerOfCheckpointAndSavepoint() throws Exception {
        try (TaskCheckpoints checkpoints = open("newest")) {
            checkpoints.write(TASK, folder("c", Map.of("a.sst", "checkpoint")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            CheckpointInfo savepoint = checkpoints.write(TASK, folder("s", Map.of("a.sst", "savepoint")), CHANGELOG_OFFSETS, INPUT_OFFSETS, true);

            assertEquals(Optional.of(savepoint), checkpoints.restoreLatest(TASK, temp.resolve("restored")));
            assertEquals(Map.of("a.sst", "savepoint"), CheckpointFiles.read(temp.resolve("restored")));
        }
    }

    @Test
    void aChangedFileIsCorruptAndLeavesNothingBehind() throws Exception {
        try (TaskCheckpoints checkpoints = open("corrupt")) {
            checkpoints.write(TASK, folder("local", Map.of("a.sst", "aaaa", "b.sst", "bbbb")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            String stored = storedFiles("corrupt").stream().filter(key -> key.contains("b.sst")).findFirst().orElseThrow();
            replaceObject(stored, "bXbb".getBytes(StandardCharsets.UTF_8));
            Path restored = temp.resolve("restored");

            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> checkpoints.restoreLatest(TASK, restored));

            assertTrue(e.getMessage().contains("b.sst") && e.getMessage().contains("CRC32C"), e.getMessage());
            assertEquals(Map.of(), CheckpointFiles.read(restored));
        }
    }

    @Test
    void aMissingFileIsCorrupt() throws Exception {
        try (TaskCheckpoints checkpoints = open("missing")) {
            checkpoints.write(TASK, folder("local", Map.of("a.sst", "aaaa")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            storedFiles("missing").forEach(this::deleteObject);

            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                    () -> checkpoints.restoreLatest(TASK, temp.resolve("restored")));

            assertTrue(e.getMessage().contains("a.sst"), e.getMessage());
        }
    }

    @Test
    void anotherJobRestoresFromTheSavepointsOfAJobReadOnly() throws Exception {
        URI oldJob;
        CheckpointInfo savepoint;
        try (TaskCheckpoints checkpoints = open("old-job")) {
            savepoint = checkpoints.write(TASK, folder("s", Map.of("a.sst", "savepoint")), CHANGELOG_OFFSETS, INPUT_OFFSETS, true);
            checkpoints.write(TASK, folder("c", Map.of("a.sst", "later checkpoint")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            oldJob = checkpoints.jobLocation();
        }
        try (TaskCheckpoints savepoints = TaskCheckpoints.openSavepoints(oldJob, settings())) {
            assertEquals(Optional.of(savepoint), savepoints.restoreLatest(TASK, temp.resolve("restored")));
            assertEquals(Map.of("a.sst", "savepoint"), CheckpointFiles.read(temp.resolve("restored")));
            assertEquals(List.of(savepoint), savepoints.list());
            assertThrows(CheckpointException.class,
                    () -> savepoints.write(TASK, folder("new", Map.of("b.sst", "b")), CHANGELOG_OFFSETS, INPUT_OFFSETS, true));
        }
    }

    @Test
    void restoreWantsAnEmptyFolder() throws Exception {
        try (TaskCheckpoints checkpoints = open("not-empty")) {
            checkpoints.write(TASK, folder("local", Map.of("a.sst", "a")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            Path occupied = folder("occupied", Map.of("LOCK", ""));

            CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoints.restoreLatest(TASK, occupied));

            assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        }
    }

    /** The manifest's key relative to the location, from the checkpoint's location. */
    String manifestKey(String job, CheckpointInfo info) {
        String location = info.location().toString();
        return location.substring(location.indexOf("/" + job + "/") + 1) + (location.endsWith("/") ? "" : "/")
                + CheckpointLayout.MANIFEST;
    }
}

package dev.weir.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint store on {@code file://} locations, plus what is particular to opening one. */
class FileTaskCheckpointsTest extends TaskCheckpointsContract {

    @TempDir
    Path storeRoot;

    @Override
    URI location() {
        return storeRoot.toUri();
    }

    @Override
    CheckpointSettings settings() {
        return CheckpointSettings.defaults();
    }

    @Test
    void theJobFolderIsTheLocationAndTheJobName() {
        try (TaskCheckpoints checkpoints = open("sensor-aggregates")) {
            assertEquals(storeRoot.resolve("sensor-aggregates").toUri().toString().replaceAll("/?$", "/"),
                    checkpoints.jobLocation().toString());
        }
    }

    @Test
    void retentionSparesFilesStoredAfterTheOldestKeptCheckpointBegan() throws Exception {
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(location(), "concurrent", settings().withRetainedCheckpoints(2))) {
            CheckpointInfo first = checkpoints.write(TASK, folder("c1", Map.of("a.sst", "a")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            Path othersFile = CheckpointFiles.write(storeRoot.resolve("concurrent/tasks/" + TASK + "/files"),
                    Map.of("other-writer.sst@5-0badf00d", "other")).resolve("other-writer.sst@5-0badf00d");
            Files.setLastModifiedTime(othersFile, FileTime.from(first.createdAt().plusMillis(1)));

            checkpoints.write(TASK, folder("c2", Map.of("b.sst", "b")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            assertTrue(Files.exists(othersFile), "stored after the oldest kept checkpoint began: maybe still being written");

            checkpoints.write(TASK, folder("c3", Map.of("c.sst", "c")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
            assertFalse(Files.exists(othersFile), "older than every kept checkpoint and unreferenced");
        }
    }

    @Test
    void anUnknownSchemeNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskCheckpoints.open(URI.create("gs://bucket/prefix"), "job", settings()));
        assertTrue(e.getMessage().contains("spec.checkpoints.location"), e.getMessage());
    }

    @Test
    void aTaskIdThatIsNoFolderNameIsRefused() {
        try (TaskCheckpoints checkpoints = open("job")) {
            assertThrows(IllegalArgumentException.class, () -> checkpoints.write("../escape", folder("local", Map.of("a", "a")),
                    CHANGELOG_OFFSETS, INPUT_OFFSETS, false));
        }
    }

    @Test
    void aSavepointLocationMustBeAJobFolder() {
        URI task = storeRoot.resolve("job/tasks/0_1").toUri();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskCheckpoints.openSavepoints(task, settings()));
        assertTrue(e.getMessage().contains("job's checkpoint folder"), e.getMessage());
    }
}

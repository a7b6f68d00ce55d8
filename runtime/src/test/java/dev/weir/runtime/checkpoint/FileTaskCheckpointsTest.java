package dev.weir.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
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

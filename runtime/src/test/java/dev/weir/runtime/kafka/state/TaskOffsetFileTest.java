package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task's offset file as Kafka Streams reads it: the last offset in the store, restore seeks one past it. */
class TaskOffsetFileTest {
    private static final TopicPartition CHANGELOG = new TopicPartition("app-weir-windows-changelog", 1);
    private static final TopicPartition OTHER = new TopicPartition("app-other-changelog", 1);

    @TempDir
    Path taskDir;

    private Map<TopicPartition, Long> read() throws Exception {
        return new OffsetCheckpoint(new File(taskDir.toFile(), TaskOffsetFile.NAME)).read();
    }

    @Test
    void aCheckpointOffsetBecomesTheLastRestoredOffset() throws Exception {
        TaskOffsetFile.replace(taskDir, CHANGELOG, Optional.of(500L));
        assertEquals(Map.of(CHANGELOG, 499L), read());
    }

    @Test
    void noCheckpointRemovesAStaleEntryAndKeepsOthers() throws Exception {
        new OffsetCheckpoint(new File(taskDir.toFile(), TaskOffsetFile.NAME)).write(Map.of(CHANGELOG, 77L, OTHER, 9L));
        TaskOffsetFile.replace(taskDir, CHANGELOG, Optional.empty());
        assertEquals(Map.of(OTHER, 9L), read());
    }

    @Test
    void offsetZeroMeansTheWholeChangelogAndLeavesNoFile() throws Exception {
        new OffsetCheckpoint(new File(taskDir.toFile(), TaskOffsetFile.NAME)).write(Map.of(CHANGELOG, 77L));
        TaskOffsetFile.replace(taskDir, CHANGELOG, Optional.of(0L));
        assertFalse(Files.exists(taskDir.resolve(TaskOffsetFile.NAME)));
    }
}

package dev.weir.runtime.kafka.state;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;

/**
 * The task's {@code .checkpoint} file, where Kafka Streams reads, after every store of the task has been
 * initialised (ProcessorStateManager#initializeStoreOffsetsFromCheckpoint), the changelog offset each store's
 * restore starts after. Written by a store's init, it makes the restore replay only the changelog tail.
 */
final class TaskOffsetFile {
    /** Kafka Streams' name for it (StateManagerUtil.CHECKPOINT_FILE_NAME, not public). */
    static final String NAME = ".checkpoint";

    private TaskOffsetFile() {}

    /**
     * Sets the changelog's entry: restore from {@code nextOffset} on, or from the beginning when empty (an
     * entry left by state that is gone would otherwise skip records).
     */
    static void replace(Path taskDir, TopicPartition changelog, Optional<Long> nextOffset) throws IOException {
        OffsetCheckpoint file = new OffsetCheckpoint(new File(taskDir.toFile(), NAME));
        Map<TopicPartition, Long> offsets = new HashMap<>(file.read());
        offsets.remove(changelog);
        // the file holds the offset of the last record in the store: the restore seeks one past it
        nextOffset.filter(next -> next > 0).ifPresent(next -> offsets.put(changelog, next - 1));
        if (offsets.isEmpty()) {
            file.delete();
        } else {
            file.write(offsets);
        }
    }
}

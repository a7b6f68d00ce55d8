package dev.weir.runtime.kafka.state;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A RocksDB checkpoint of one store, waiting to be stored.
 *
 * @param incarnation      of the store it was taken of: once that is closed, the snapshot is not stored
 *
 * @param changelogOffsets per changelog partition, an offset below which every record is in the snapshot
 * @param inputOffsets     per input partition, one past the newest record whose writes are in it: the snapshot
 *                         holds committed state only once the task's committed offsets have reached these
 */
record Snapshot(CheckpointedRocksStore store, int incarnation, Path dir, Map<TopicPartition, Long> changelogOffsets,
                Map<TopicPartition, Long> inputOffsets) {
    String taskId() {
        return store.taskId().toString();
    }

    /** Whether the store incarnation it was taken of is still open. */
    boolean storeOpen() {
        return store.isOpen(incarnation);
    }
}

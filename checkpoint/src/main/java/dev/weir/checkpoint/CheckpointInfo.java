package dev.weir.checkpoint;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * One complete checkpoint or savepoint of a task.
 *
 * @param location      the checkpoint's folder (holding its manifest)
 * @param totalBytes    the size of every file the checkpoint references
 * @param uploadedBytes what writing it uploaded: files already stored by earlier checkpoints are not sent again
 * @param changelogOffsets offsets keyed "topic-partition"
 * @param inputOffsets  offsets keyed "topic-partition"
 */
public record CheckpointInfo(String id, String taskId, Instant createdAt, boolean savepoint, URI location,
                             long totalBytes, long uploadedBytes, Map<String, Long> changelogOffsets,
                             Map<String, Long> inputOffsets) {

    public CheckpointInfo {
        changelogOffsets = Map.copyOf(changelogOffsets);
        inputOffsets = Map.copyOf(inputOffsets);
    }
}

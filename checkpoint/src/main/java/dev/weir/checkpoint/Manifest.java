package dev.weir.checkpoint;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * What a checkpoint holds, stored as {@code manifest.json} in the checkpoint's folder, written after every file
 * it lists. A checkpoint without one does not exist for readers.
 *
 * @param files each with its key relative to the task's folder, shared with other checkpoints of the task
 */
record Manifest(int formatVersion, String id, String job, String taskId, Instant createdAt, boolean savepoint,
                long totalBytes, long uploadedBytes, Map<String, Long> changelogOffsets,
                Map<String, Long> inputOffsets, List<ManifestFile> files) {

    /** 2: the runtime's window state changed encoding (exact integer sums), so a version-1 checkpoint is refused. */
    static final int FORMAT_VERSION = 2;

    /** One file of the checkpoint: its path relative to the checkpointed folder, and where it is stored. */
    record ManifestFile(String path, long size, String crc32c, String key) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("a checkpoint manifest could not be written as JSON", e);
        }
    }

    static Manifest fromJson(byte[] json, URI location) throws CorruptCheckpointException {
        Manifest manifest;
        try {
            manifest = MAPPER.readValue(json, Manifest.class);
        } catch (IOException e) {
            throw new CorruptCheckpointException("checkpoint manifest " + location + " is not valid JSON: " + e.getMessage(), e);
        }
        if (manifest.formatVersion() != FORMAT_VERSION || manifest.files() == null || manifest.createdAt() == null) {
            throw new CorruptCheckpointException("checkpoint manifest " + location + " has format version "
                    + manifest.formatVersion() + " or lacks its files or creation time; this runtime reads version "
                    + FORMAT_VERSION);
        }
        return manifest;
    }

    CheckpointInfo info(URI location) {
        return new CheckpointInfo(id, taskId, createdAt, savepoint, location, totalBytes, uploadedBytes,
                changelogOffsets == null ? Map.of() : changelogOffsets, inputOffsets == null ? Map.of() : inputOffsets);
    }
}

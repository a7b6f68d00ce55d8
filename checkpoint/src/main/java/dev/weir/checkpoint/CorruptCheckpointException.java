package dev.weir.checkpoint;

/** A stored checkpoint is unusable (a file is missing, or its size or checksum differ from the manifest). */
public class CorruptCheckpointException extends CheckpointException {

    public CorruptCheckpointException(String message) {
        super(message);
    }

    public CorruptCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.weir.checkpoint;

/** A checkpoint could not be written, listed or restored; the message names the location and the cause. */
public class CheckpointException extends Exception {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.weir.runtime.pipeline;

/** The record is not a JSON object. */
public class MalformedRecordException extends Exception {
    public MalformedRecordException(String message) {
        super(message, null, false, false);
    }
}

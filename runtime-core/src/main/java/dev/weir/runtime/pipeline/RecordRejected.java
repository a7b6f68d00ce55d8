package dev.weir.runtime.pipeline;

/** A record that cannot go on: it goes to the dead letter with this reason and message. */
public class RecordRejected extends Exception {
    private final DeadLetterReason reason;

    public RecordRejected(DeadLetterReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}

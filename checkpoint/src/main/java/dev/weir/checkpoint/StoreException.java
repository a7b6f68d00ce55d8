package dev.weir.checkpoint;

/** A store operation failed; {@link Kind#UNAVAILABLE} is worth retrying, the others are not. */
final class StoreException extends RuntimeException {

    enum Kind {
        /** The server cannot be reached or answered with a transient error. */
        UNAVAILABLE,
        ACCESS_DENIED,
        NO_SUCH_BUCKET,
        NOT_FOUND,
        FAILED
    }

    private final Kind kind;

    StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }

    boolean retryable() {
        return kind == Kind.UNAVAILABLE;
    }
}

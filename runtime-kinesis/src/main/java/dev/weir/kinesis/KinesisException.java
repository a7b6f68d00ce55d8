package dev.weir.kinesis;

/** A Kinesis or DynamoDB call failed in a way retrying here does not fix; the message says which and why. */
public class KinesisException extends RuntimeException {

    public KinesisException(String message, Throwable cause) {
        super(message, cause);
    }

    public KinesisException(String message) {
        super(message);
    }
}

package dev.weir.operator.lag;

/** The brokers could not be asked for a job's offsets; the message names the source and what failed. */
public class LagProbeException extends RuntimeException {
    public LagProbeException(String message, Throwable cause) {
        super(message, cause);
    }
}

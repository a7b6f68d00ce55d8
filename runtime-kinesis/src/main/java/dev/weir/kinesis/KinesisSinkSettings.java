package dev.weir.kinesis;

import java.time.Duration;

/**
 * How a {@link KinesisSink} writes.
 *
 * @param maxRecordBytes the stream's largest record, data plus partition key ({@value #DEFAULT_MAX_RECORD_BYTES} bytes
 *                       unless the stream's MaxRecordSize was raised); larger records are rejected, not sent
 * @param initialBackoff the wait after a put that Kinesis throttled or failed, doubled after each further one
 * @param maxBackoff     the longest wait between puts
 * @param giveUpAfter    how long puts may keep failing in a row before {@link KinesisSink#put} throws
 */
public record KinesisSinkSettings(int maxRecordBytes, Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {

    public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

    public KinesisSinkSettings {
        if (maxRecordBytes < 1 || maxRecordBytes > KeyOrderedBatches.MAX_REQUEST_BYTES) {
            throw new IllegalArgumentException("maxRecordBytes must be between 1 and " + KeyOrderedBatches.MAX_REQUEST_BYTES
                    + ", was " + maxRecordBytes);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("sink backoff must satisfy 0 <= initialBackoff <= maxBackoff, was "
                    + initialBackoff + " and " + maxBackoff);
        }
    }

    public static KinesisSinkSettings defaults() {
        return new KinesisSinkSettings(DEFAULT_MAX_RECORD_BYTES, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofMinutes(10));
    }

    public KinesisSinkSettings withMaxRecordBytes(int maxRecordBytes) {
        return new KinesisSinkSettings(maxRecordBytes, initialBackoff, maxBackoff, giveUpAfter);
    }

    public KinesisSinkSettings withRetries(Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {
        return new KinesisSinkSettings(maxRecordBytes, initialBackoff, maxBackoff, giveUpAfter);
    }

    /** The wait after the given failed put in a row (1-based). */
    Duration backoffAfter(int failures) {
        long millis = initialBackoff.toMillis() << Math.min(failures - 1, 30);
        return millis < 0 || millis > maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis(millis);
    }
}

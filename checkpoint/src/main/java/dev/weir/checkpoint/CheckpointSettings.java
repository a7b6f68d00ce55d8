package dev.weir.checkpoint;

/**
 * How a job's checkpoint store behaves.
 *
 * @param retainedCheckpoints checkpoints kept per task (savepoints are kept until deleted)
 * @param retry               for each store operation while the store is unavailable
 * @param transferThreads     files uploaded or downloaded at once
 * @param s3                  for {@code s3://} locations
 */
public record CheckpointSettings(int retainedCheckpoints, RetryPolicy retry, int transferThreads, S3Options s3) {

    public static final int DEFAULT_RETAINED_CHECKPOINTS = 3;
    public static final int DEFAULT_TRANSFER_THREADS = 4;

    public CheckpointSettings {
        if (retainedCheckpoints < 1) {
            throw new IllegalArgumentException("retained checkpoints must be at least 1 (the newest is what a restore uses), was "
                    + retainedCheckpoints);
        }
        if (transferThreads < 1) {
            throw new IllegalArgumentException("checkpoint transfer threads must be at least 1, was " + transferThreads);
        }
    }

    public static CheckpointSettings defaults() {
        return new CheckpointSettings(DEFAULT_RETAINED_CHECKPOINTS, RetryPolicy.defaults(), DEFAULT_TRANSFER_THREADS,
                S3Options.defaults());
    }

    public CheckpointSettings withRetainedCheckpoints(int retainedCheckpoints) {
        return new CheckpointSettings(retainedCheckpoints, retry, transferThreads, s3);
    }

    public CheckpointSettings withRetry(RetryPolicy retry) {
        return new CheckpointSettings(retainedCheckpoints, retry, transferThreads, s3);
    }

    public CheckpointSettings withTransferThreads(int transferThreads) {
        return new CheckpointSettings(retainedCheckpoints, retry, transferThreads, s3);
    }

    public CheckpointSettings withS3(S3Options s3) {
        return new CheckpointSettings(retainedCheckpoints, retry, transferThreads, s3);
    }
}

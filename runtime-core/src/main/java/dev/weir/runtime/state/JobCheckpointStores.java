package dev.weir.runtime.state;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.S3Options;
import dev.weir.checkpoint.TaskCheckpoints;
import java.net.URI;
import java.util.Optional;

/**
 * Where every engine keeps a job's checkpoints: {@code spec.checkpoints.location}, in a folder named after the job
 * (its consumer group, {@code weir-<namespace>-<name>}), with the job's retention and S3 settings.
 */
public final class JobCheckpointStores {
    /** Files transferred at once: a restore is on the task's critical path; 8 downloaded 345 MB/s against 241 with
     *  the store's default 4 in RestoreBenchmark runs at similar load (docs/benchmark.md). */
    public static final int TRANSFER_THREADS = 8;

    private JobCheckpointStores() {}

    /** The job's own checkpoints; empty when it has no {@code spec.checkpoints.location}. */
    public static Optional<TaskCheckpoints> open(StreamJob job) {
        CheckpointSpec spec = job.getSpec().checkpoints;
        if (spec == null || spec.location == null) {
            return Optional.empty();
        }
        return Optional.of(TaskCheckpoints.open(URI.create(spec.location), ConsumerGroups.of(job), settings(spec)));
    }

    /** The savepoints of {@code spec.restoreFrom}, read-only; empty without one. */
    public static Optional<TaskCheckpoints> restoreFrom(StreamJob job) {
        CheckpointSpec spec = job.getSpec().checkpoints;
        return Optional.ofNullable(job.getSpec().restoreFrom).filter(from -> spec != null)
                .map(from -> TaskCheckpoints.openSavepoints(URI.create(from), settings(spec)));
    }

    public static CheckpointSettings settings(CheckpointSpec spec) {
        S3Options s3 = S3Options.defaults();
        if (spec.s3 != null) {
            if (spec.s3.endpoint != null) {
                s3 = s3.withEndpoint(URI.create(spec.s3.endpoint)).withPathStyle(spec.s3.pathStyleOrDefault());
            }
            if (spec.s3.region != null) {
                s3 = s3.withRegion(spec.s3.region);
            }
        }
        return CheckpointSettings.defaults().withRetainedCheckpoints(spec.retainOrDefault()).withS3(s3)
                .withTransferThreads(TRANSFER_THREADS);
    }
}

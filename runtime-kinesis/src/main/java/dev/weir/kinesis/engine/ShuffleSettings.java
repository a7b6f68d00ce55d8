package dev.weir.kinesis.engine;

import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import java.time.Duration;
import java.util.Optional;

/**
 * The shuffle of a Kinesis job that runs on several pods (docs/kinesis.md, "The shuffle").
 *
 * @param stream           the job's internal stream, keyed by the window key; created by the engine when missing
 * @param shards           its shard count when the engine creates it: the most window tasks, so the most pods that
 *                         share the windows (an existing stream is used with the shards it has)
 * @param progressInterval how often each source task tells every window task its shard's progress (largest event
 *                         time, idle or not): the longest a window task's watermark waits on a source shard that sends
 *                         it no record
 */
public record ShuffleSettings(String stream, int shards, Duration progressInterval) {

    public ShuffleSettings {
        if (shards < 1) {
            throw new IllegalArgumentException("a shuffle stream needs at least one shard, was " + shards);
        }
    }

    /** How often a source task reports its progress when nothing else says so. */
    public static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

    /**
     * The shuffle of a job that may run on more than one pod: its stream, named after the job's lease tables
     * ({@code weir-<namespace>-<job>-shuffle}), with a shard per pod the job may have; only a job with a window
     * makes and uses it. Empty for a job on one pod (the single-process engine runs it).
     */
    public static Optional<ShuffleSettings> of(StreamJob job) {
        if (KinesisLayout.of(job.getSpec()).orElse(KinesisLayout.ONE_POD) != KinesisLayout.SEVERAL_PODS) {
            return Optional.empty();
        }
        return Optional.of(new ShuffleSettings(KinesisLayout.shuffleStream(job), job.getSpec().mostPods(),
                PROGRESS_INTERVAL));
    }
}

package dev.weir.kinesis.engine;

import java.time.Duration;

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

    /** The shuffle stream of a job: {@code weir-<namespace>-<job>-shuffle}, within Kinesis' 128 characters. */
    public static String streamName(String namespace, String job) {
        String name = "weir-" + (namespace == null ? "default" : namespace) + "-" + job + "-shuffle";
        return name.length() <= 128 ? name : name.substring(0, 128);
    }
}

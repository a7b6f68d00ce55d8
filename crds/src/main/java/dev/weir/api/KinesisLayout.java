package dev.weir.api;

import dev.weir.api.sql.SqlPipeline;
import java.util.Optional;

/**
 * How a Kinesis job's work is laid out, which decides the engine that runs it and the checkpoint tasks it writes
 * (docs/kinesis.md). A windowed job that may run on more than one pod ({@link StreamJobSpec#mostPods()}) shuffles its
 * records by key to window tasks spread over its pods; any other Kinesis job runs on one pod with one window task.
 * The two write different checkpoint tasks, and neither can read the other's: a job cannot move between them while
 * it has checkpoints.
 */
public enum KinesisLayout {
    /** One pod: one task holds every shard's position and every window ({@link #ONE_POD_TASK}). */
    ONE_POD,
    /**
     * Several pods: a source task per source shard ({@link #SOURCE_TASK_PREFIX} and the shard) and a window task
     * per shuffle shard ({@link #WINDOW_TASK_PREFIX} and the shard).
     */
    SEVERAL_PODS;

    /** The checkpoint task of a job on one pod. */
    public static final String ONE_POD_TASK = "kinesis-windows";
    /** A source task's checkpoint task on several pods: this and the source shard's id. */
    public static final String SOURCE_TASK_PREFIX = "kinesis-source-";
    /** A window task's checkpoint task on several pods: this and the shuffle shard's id. */
    public static final String WINDOW_TASK_PREFIX = "kinesis-windows-";

    /** The layout of a Kinesis job; empty for a job with another source. */
    public static Optional<KinesisLayout> of(StreamJobSpec spec) {
        if (spec == null || spec.source == null || spec.source.kinesis == null) {
            return Optional.empty();
        }
        boolean windowed = SqlPipeline.steps(spec).stream().anyMatch(step -> step.window != null);
        return Optional.of(windowed && spec.mostPods() > 1 ? SEVERAL_PODS : ONE_POD);
    }

    /** The layout that wrote a checkpoint task; empty for a task no Kinesis engine writes. */
    public static Optional<KinesisLayout> ofTask(String taskId) {
        if (taskId == null) {
            return Optional.empty();
        }
        if (taskId.equals(ONE_POD_TASK)) {
            return Optional.of(ONE_POD);
        }
        if (taskId.startsWith(SOURCE_TASK_PREFIX) || taskId.startsWith(WINDOW_TASK_PREFIX)) {
            return Optional.of(SEVERAL_PODS);
        }
        return Optional.empty();
    }
}

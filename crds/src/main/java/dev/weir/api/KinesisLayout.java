package dev.weir.api;

import dev.weir.api.sql.SqlPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How a Kinesis job's work is laid out, which decides the engine that runs it and the checkpoint tasks it writes
 * (docs/kinesis.md). A job that may run on more than one pod ({@link StreamJobSpec#mostPods()}) reads its source with
 * a task per shard spread over its pods, and, when it has a window, shuffles its records by key to window tasks spread
 * over them too; a job on one pod keeps every shard's position and every window in one task. The two write different
 * checkpoint tasks, and neither can read the other's: a job cannot move between them while it has checkpoints.
 *
 * <p>It also names the AWS resources a Kinesis job makes for itself, which outlive its pods: the lease tables of the
 * Kinesis Client Library (per application: a table named after it, and its {@code -CoordinatorState} and
 * {@code -WorkerMetricStats} tables), and for a windowed job on several pods the shuffle stream and a second
 * application for the window tasks.
 */
public enum KinesisLayout {
    /** One pod: one task holds every shard's position and every window ({@link #ONE_POD_TASK}). */
    ONE_POD,
    /**
     * Several pods: a source task per source shard ({@link #SOURCE_TASK_PREFIX} and the shard) and, with a window, a
     * window task per shuffle shard ({@link #WINDOW_TASK_PREFIX} and the shard).
     */
    SEVERAL_PODS;

    /** The checkpoint task of a job on one pod. */
    public static final String ONE_POD_TASK = "kinesis-windows";
    /** A source task's checkpoint task on several pods: this and the source shard's id. */
    public static final String SOURCE_TASK_PREFIX = "kinesis-source-";
    /** A window task's checkpoint task on several pods: this and the shuffle shard's id. */
    public static final String WINDOW_TASK_PREFIX = "kinesis-windows-";

    /** The lease tables' suffixes the Kinesis Client Library adds to an application's name, besides none. */
    private static final List<String> LEASE_TABLE_SUFFIXES = List.of("", "-CoordinatorState", "-WorkerMetricStats");
    private static final int STREAM_NAME_LIMIT = 128;

    /** The application that reads the job's source: the lease table the operator's lag probe reads. */
    public static String sourceApplication(StreamJob job) {
        return ConsumerGroups.of(job);
    }

    /** The application of the window tasks on several pods, which read the shuffle stream. */
    public static String windowsApplication(String sourceApplication) {
        return sourceApplication + "-windows";
    }

    /** The job's shuffle stream on several pods: its source application's name and {@code -shuffle}. */
    public static String shuffleStream(StreamJob job) {
        String name = sourceApplication(job) + "-shuffle";
        return name.length() <= STREAM_NAME_LIMIT ? name : name.substring(0, STREAM_NAME_LIMIT);
    }

    /** Every DynamoDB table a Kinesis job's pods may have made, on one pod or several. */
    public static List<String> leaseTables(StreamJob job) {
        String source = sourceApplication(job);
        return Stream.of(source, windowsApplication(source))
                .flatMap(application -> LEASE_TABLE_SUFFIXES.stream().map(suffix -> application + suffix))
                .toList();
    }

    /** The layout of a Kinesis job; empty for a job with another source. */
    public static Optional<KinesisLayout> of(StreamJobSpec spec) {
        if (spec == null || spec.source == null || spec.source.kinesis == null) {
            return Optional.empty();
        }
        return Optional.of(spec.mostPods() > 1 ? SEVERAL_PODS : ONE_POD);
    }

    /** Whether a Kinesis job shuffles its records between pods: on several pods, with a window. */
    public static boolean shuffles(StreamJobSpec spec) {
        return of(spec).orElse(ONE_POD) == SEVERAL_PODS
                && SqlPipeline.steps(spec).stream().anyMatch(step -> step.window != null);
    }

    /**
     * The checkpoint tasks in a job's status (its store's newest checkpoint and its savepoints, as the operator lists
     * them) that a Kinesis engine wrote, with the layout that wrote each.
     */
    public static Map<String, KinesisLayout> writtenIn(StreamJobStatus status) {
        Map<String, KinesisLayout> written = new LinkedHashMap<>();
        if (status == null || status.checkpoints == null) {
            return written;
        }
        List<CheckpointsStatus.StoredCheckpoint> stored = new ArrayList<>();
        Optional.ofNullable(status.checkpoints.latest).ifPresent(stored::add);
        Optional.ofNullable(status.checkpoints.savepoints).ifPresent(stored::addAll);
        for (CheckpointsStatus.StoredCheckpoint checkpoint : stored) {
            ofTask(checkpoint.taskId).ifPresent(layout -> written.put(checkpoint.taskId, layout));
        }
        return written;
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

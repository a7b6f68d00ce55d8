package dev.weir.checkpoint;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a job's checkpoints live: {@code s3://bucket/prefix} or {@code file:///path}. One folder per job and
 * checkpoint id, the manifest written last, so a half-written checkpoint is never used. See docs/checkpoints.md.
 * Safe for use by several threads (tasks) at once.
 */
public interface TaskCheckpoints extends AutoCloseable {

    /** The scheme of checkpoint locations in S3 or an S3-compatible server. */
    String S3_SCHEME = "s3";
    /** The scheme of checkpoint locations in a local or mounted folder. */
    String FILE_SCHEME = "file";

    /**
     * Stores the files of localDir (e.g. a RocksDB checkpoint; files are immutable, so only those not already
     * stored are uploaded), then the manifest. Offsets are keyed "topic-partition". Applies retention afterwards:
     * a failure there is logged and retried after the next checkpoint, it does not fail this one.
     */
    CheckpointInfo write(String taskId, Path localDir, Map<String, Long> changelogOffsets,
                         Map<String, Long> inputOffsets, boolean savepoint) throws CheckpointException;

    /**
     * Downloads the newest complete checkpoint (or savepoint, whichever is newer) of the task into emptyDir,
     * verifying each file's size and checksum; empty when the task has none. Corrupt/missing files →
     * CorruptCheckpointException (the caller falls back to a changelog restore); emptyDir is then empty again.
     */
    Optional<CheckpointInfo> restoreLatest(String taskId, Path emptyDir) throws CheckpointException;

    /** Newest complete checkpoints/savepoints of the job, newest first (for status and tooling). */
    List<CheckpointInfo> list() throws CheckpointException;

    /** The folder of the job's checkpoints: the location followed by the job name. */
    URI jobLocation();

    @Override
    void close();

    /**
     * The checkpoints of job {@code jobName} under {@code location}, kept in {@code location/jobName/}.
     *
     * @throws IllegalArgumentException if the location is neither {@code s3://bucket[/prefix]} nor
     *                                  {@code file:///path}, or the job name cannot name a folder
     */
    static TaskCheckpoints open(URI location, String jobName, CheckpointSettings settings) {
        return StoredTaskCheckpoints.open(location, jobName, settings);
    }

    /**
     * The savepoints of another job, read-only, for {@code spec.restoreFrom}: {@code jobLocation} is that job's
     * folder (its {@link #jobLocation()}, e.g. {@code s3://bucket/prefix/old-job}). {@link #restoreLatest} restores
     * a task's newest savepoint and {@link #list} lists savepoints only; {@link #write} refuses.
     */
    static TaskCheckpoints openSavepoints(URI jobLocation, CheckpointSettings settings) {
        return StoredTaskCheckpoints.openSavepoints(jobLocation, settings);
    }
}

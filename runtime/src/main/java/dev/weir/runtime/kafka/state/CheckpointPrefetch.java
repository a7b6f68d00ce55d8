package dev.weir.runtime.kafka.state;

import dev.weir.checkpoint.DaemonThreads;
import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.TaskCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Downloads the latest checkpoints of a process's newly assigned tasks side by side, as soon as the assignment is
 * known. Kafka Streams initialises the tasks one after another on the stream thread, so without this their
 * downloads would add up; with it, a task's init waits only for what is still in flight. Each download goes to a
 * folder of its own next to the task directories, and moves into the store's folder when the task takes it.
 */
final class CheckpointPrefetch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CheckpointPrefetch.class);
    /** Downloads of different tasks at once; each also transfers several files at once. */
    static final int PARALLEL_TASKS = 4;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private record InFlight(Path dir, Future<Optional<CheckpointInfo>> download) {
    }

    private final TaskCheckpoints checkpoints;
    private final Path root;
    private final ExecutorService pool;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    /** @param root where downloads wait to be taken, on the same disk as the task directories (they are moved) */
    CheckpointPrefetch(TaskCheckpoints checkpoints, Path root) {
        this.checkpoints = checkpoints;
        this.root = root;
        StateCheckpointer.deleteQuietly(root);
        this.pool = Executors.newFixedThreadPool(PARALLEL_TASKS, DaemonThreads.named("weir-checkpoint-prefetch"));
    }

    /**
     * Starts downloading the task's latest checkpoint, unless that is under way already or the process is closing
     * (the task's init then downloads it, as without prefetching). Called from a rebalance listener: never throws.
     */
    void start(String taskId) {
        if (pool.isShutdown()) {
            return;
        }
        try {
            inFlight.computeIfAbsent(taskId, id -> {
                Path dir = root.resolve(id + "-" + sequence.incrementAndGet());
                return new InFlight(dir, pool.submit(() -> checkpoints.restoreLatest(id, dir)));
            });
        } catch (RejectedExecutionException e) {
            LOG.debugf("not prefetching task %s: closing", taskId);
        }
    }

    /**
     * The prefetched checkpoint of the task, its files moved into {@code emptyDir}; waits for a download still in
     * flight.
     *
     * @return empty when no download was started for the task; else what the download found (empty: the store has no
     *         checkpoint of the task)
     * @throws CheckpointException when the download failed (a missing or corrupt file, the store unreachable)
     */
    Optional<Optional<CheckpointInfo>> take(String taskId, Path emptyDir) throws CheckpointException {
        InFlight prefetched = inFlight.remove(taskId);
        if (prefetched == null) {
            return Optional.empty();
        }
        try {
            Optional<CheckpointInfo> info = prefetched.download().get();
            if (info.isPresent()) {
                Files.delete(emptyDir);
                try {
                    Files.move(prefetched.dir(), emptyDir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.createDirectories(emptyDir);
                    throw e;
                }
            }
            return Optional.of(info);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while waiting for the checkpoint of task " + taskId);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CheckpointException failed) {
                throw failed;
            }
            throw new CheckpointException("downloading the checkpoint of task " + taskId + " failed: "
                    + e.getCause(), e.getCause());
        } catch (IOException e) {
            throw new CheckpointException("cannot move the checkpoint of task " + taskId + " from " + prefetched.dir()
                    + " to " + emptyDir + ": " + e.getMessage(), e);
        } finally {
            StateCheckpointer.deleteQuietly(prefetched.dir());
        }
    }

    /** The task went to another process before it started: its download, once done, is deleted. */
    void discard(String taskId) {
        InFlight dropped = inFlight.remove(taskId);
        if (dropped == null) {
            return;
        }
        LOG.debugf("task %s was revoked before it started: its prefetched checkpoint is deleted", taskId);
        try {
            pool.execute(() -> {
                try {
                    dropped.download().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException e) {
                    // a failed download of a task this process no longer runs: nothing to report
                }
                StateCheckpointer.deleteQuietly(dropped.dir());
            });
        } catch (RejectedExecutionException e) {
            // closing: the checkpointer deletes every download folder once the store is closed
        }
    }


    /**
     * Stops the downloads, waiting a little for them to notice. Their folders are deleted by the owner once the
     * checkpoint store is closed too (its transfer threads write the files); a next start deletes them as well.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("checkpoint downloads still running %s after close; %s is emptied at the next start",
                        CLOSE_WAIT, root);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}

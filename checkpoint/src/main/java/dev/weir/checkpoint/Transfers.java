package dev.weir.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/** Runs file transfers side by side; after all have ended, fails with the first failure (so none is still writing). */
final class Transfers {

    interface Task {
        void run() throws CheckpointException;
    }

    private final ExecutorService executor;

    Transfers(ExecutorService executor) {
        this.executor = executor;
    }

    void all(List<Task> tasks) throws CheckpointException {
        List<Future<?>> futures = new ArrayList<>();
        for (Task task : tasks) {
            futures.add(executor.submit(() -> {
                task.run();
                return null;
            }));
        }
        CheckpointException first = null;
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof CheckpointException failure)) {
                    throw new IllegalStateException("a checkpoint file transfer failed unexpectedly", e.getCause());
                }
                first = first == null ? failure : first;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(pending -> pending.cancel(true));
                throw new CheckpointException("a checkpoint file transfer was interrupted", e);
            } catch (CancellationException e) {
                first = first == null ? new CheckpointException("a checkpoint file transfer was cancelled: the checkpoint store is closing", e) : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

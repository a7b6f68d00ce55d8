package dev.weir.checkpoint;

import java.time.Duration;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

/** Runs store operations under the retry policy and turns their failures into {@link CheckpointException}s. */
final class StoreCalls {

    private static final Logger LOG = Logger.getLogger(StoreCalls.class);

    private final RetryPolicy retry;

    StoreCalls(RetryPolicy retry) {
        this.retry = retry;
    }

    <T> T call(String what, Supplier<T> operation) throws CheckpointException {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (StoreException e) {
                if (!e.retryable() || attempt == retry.maxAttempts()) {
                    throw failure(what, e, attempt);
                }
                Duration backoff = retry.backoffAfter(attempt);
                LOG.debugf("%s: attempt %d of %d failed (%s), retrying in %s", what, attempt, retry.maxAttempts(),
                        e.getMessage(), backoff);
                pause(what, backoff);
            }
        }
    }

    void run(String what, Runnable operation) throws CheckpointException {
        call(what, () -> {
            operation.run();
            return null;
        });
    }

    private static CheckpointException failure(String what, StoreException e, int attempts) {
        String message = what + " failed: " + e.getMessage() + (attempts > 1 ? " (tried " + attempts + " times)" : "");
        return e.kind() == StoreException.Kind.NOT_FOUND
                ? new CorruptCheckpointException(message, e)
                : new CheckpointException(message, e);
    }

    private static void pause(String what, Duration backoff) throws CheckpointException {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException(what + " was interrupted while waiting to retry", e);
        }
    }
}

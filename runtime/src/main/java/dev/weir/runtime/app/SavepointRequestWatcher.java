package dev.weir.runtime.app;

import dev.weir.api.SavepointRequests;
import dev.weir.runtime.kafka.state.StateCheckpointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * On-demand savepoints: watches the request file the operator puts next to the job file (a ConfigMap key, which the
 * kubelet updates in place) and asks the checkpointer for a savepoint each time it holds a new nonce. The nonce
 * found at start was asked of earlier pods, so it is not repeated. Polled: a ConfigMap volume changes by swapping a
 * symlink, which file watches miss.
 */
final class SavepointRequestWatcher implements AutoCloseable {
    static final Duration POLL = Duration.ofSeconds(2);
    private static final Logger LOG = Logger.getLogger(SavepointRequestWatcher.class);

    private final Path file;
    private final StateCheckpointer checkpointer;
    private final ScheduledExecutorService poller;
    private Optional<String> seen;

    SavepointRequestWatcher(Path jobFile, StateCheckpointer checkpointer) {
        this.file = jobFile.resolveSibling(SavepointRequests.FILE);
        this.checkpointer = checkpointer;
        this.seen = read();
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-savepoint-requests");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::check, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check() {
        Optional<String> now = read();
        if (now.isPresent() && !Objects.equals(now, seen)) {
            LOG.infof("savepoint requested (%s): writing one for each task of this pod", now.get());
            checkpointer.requestSavepoint();
        }
        seen = now;
    }

    private Optional<String> read() {
        try {
            return Optional.of(Files.readString(file).trim()).filter(nonce -> !nonce.isEmpty());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warnf("cannot read the savepoint request %s: %s", file, e.getMessage());
            return seen;
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}

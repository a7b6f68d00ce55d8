package dev.weir.runtime.app;

import dev.weir.checkpoint.DaemonThreads;
import dev.weir.api.SavepointRequests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/**
 * On-demand savepoints: watches the request file the operator puts next to the job file (a ConfigMap key, which the
 * kubelet updates in place) and asks the engine for a savepoint of this pod's tasks for each nonce, once the engine
 * runs them (Kafka Streams: in state RUNNING; the Kinesis engine: once started). The operator keeps a nonce in the file only while its request is pending, so a nonce found at
 * start is pending too (this pod may have replaced one that had not written its savepoints yet). Polled: a ConfigMap
 * volume changes by swapping a symlink, which file watches miss.
 */
final class SavepointRequestWatcher implements AutoCloseable {
    static final Duration POLL = Duration.ofSeconds(2);
    private static final Logger LOG = Logger.getLogger(SavepointRequestWatcher.class);

    private final Path file;
    private final Runnable requestSavepoint;
    private final ScheduledExecutorService poller;
    /** Whether the engine runs this pod's tasks (Kafka Streams: not starting, rebalancing or restoring). */
    private volatile boolean running;
    // the fields below are touched on the poller thread only
    private Optional<String> seen = Optional.empty();
    /** A nonce seen but not yet asked for, because the tasks did not run yet. */
    private Optional<String> waiting = Optional.empty();

    /** @param requestSavepoint asks the engine for a savepoint of each task of this pod; returns at once */
    SavepointRequestWatcher(Path jobFile, Runnable requestSavepoint) {
        this.file = jobFile.resolveSibling(SavepointRequests.FILE);
        this.requestSavepoint = requestSavepoint;
        this.poller = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("weir-savepoint-requests"));
        poller.scheduleWithFixedDelay(this::check, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kafka Streams' state: a request waits until the tasks run, so that every store of this pod is open. */
    void onStateChange(KafkaStreams.State now) {
        running(now == KafkaStreams.State.RUNNING);
    }

    /** Whether the engine runs this pod's tasks now: a request waits until it does. */
    void running(boolean now) {
        running = now;
        if (running) {
            try {
                poller.execute(this::askIfRunning);
            } catch (RejectedExecutionException closed) {
                LOG.debug("savepoint requests are no longer watched: the runtime is stopping");
            }
        }
    }

    private void check() {
        Optional<String> now = read();
        if (now.isPresent() && !Objects.equals(now, seen)) {
            waiting = now;
        }
        seen = now;
        askIfRunning();
    }

    private void askIfRunning() {
        if (running && waiting.isPresent()) {
            LOG.infof("savepoint requested (%s): writing one for each task of this pod", waiting.get());
            requestSavepoint.run();
            waiting = Optional.empty();
        }
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

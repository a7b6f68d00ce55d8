package dev.weir.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;

/**
 * One container of a pod as a local process, kept alive as a kubelet does with {@code restartPolicy: Always}: a
 * process that exits, or fails its liveness or startup probe, is started again after the kubelet's back-off (10 s,
 * doubling, at most 5 minutes), in {@code CrashLoopBackOff} meanwhile; its probes set {@code started} and
 * {@code ready}. Every change is reported through {@code onChange}.
 */
final class ContainerProcess {
    private static final Duration FIRST_BACK_OFF = Duration.ofSeconds(10);
    private static final Duration MAX_BACK_OFF = Duration.ofMinutes(5);
    private static final String CRASH_LOOP = "CrashLoopBackOff";

    private final String name;
    private final String image;
    private final Launch launch;
    private final HttpProbe startupProbe;
    private final HttpProbe livenessProbe;
    private final HttpProbe readinessProbe;
    private final ScheduledExecutorService scheduler;
    private final Runnable onChange;
    private final List<ScheduledFuture<?>> probes = new ArrayList<>();

    private volatile Process process;
    private Instant startedAt;
    private int restartCount;
    private boolean started;
    private volatile boolean ready;
    private volatile boolean stopping;
    private ContainerState lastTerminated;
    private String waitingReason = "ContainerCreating";
    private String waitingMessage;

    ContainerProcess(String name, String image, Launch launch, HttpProbe startupProbe, HttpProbe livenessProbe,
                     HttpProbe readinessProbe, ScheduledExecutorService scheduler, Runnable onChange) {
        this.name = name;
        this.image = image;
        this.launch = launch;
        this.startupProbe = startupProbe;
        this.livenessProbe = livenessProbe;
        this.readinessProbe = readinessProbe;
        this.scheduler = scheduler;
        // reported from the scheduler, never under this container's lock: the pod's status reads every container
        this.onChange = () -> {
            try {
                scheduler.execute(onChange);
            } catch (RejectedExecutionException e) {
                // the harness is closing: nothing to report to
            }
        };
    }

    /** A container the harness cannot run stays waiting with the reason a kubelet would give. */
    static ContainerStatus waiting(String name, String image, String reason, String message) {
        return new ContainerStatusBuilder().withName(name).withImage(image).withImageID("").withReady(false)
                .withStarted(false).withRestartCount(0)
                .withState(new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message)
                        .endWaiting().build())
                .build();
    }

    synchronized void start() {
        if (stopping) {
            return;
        }
        try {
            Files.createDirectories(launch.log().getParent());
            Files.writeString(launch.log(), "### harness: " + Instant.now() + " start #" + restartCount + ": "
                    + String.join(" ", launch.command()) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.workingDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(launch.log().toFile()));
            builder.environment().clear();
            builder.environment().putAll(launch.env());
            process = builder.start();
        } catch (IOException e) {
            waitingReason = "RunContainerError";
            waitingMessage = e.getMessage();
            onChange.run();
            scheduleRestart();
            return;
        }
        startedAt = Instant.now();
        started = startupProbe == null;
        ready = false;
        Process running = process;
        running.onExit().thenRun(() -> exited(running));
        scheduleProbes();
        onChange.run();
    }

    /** SIGTERM, then SIGKILL once the grace period has passed, as a kubelet stops a container. */
    void stop(Duration grace) {
        Process running;
        synchronized (this) {
            stopping = true;
            cancelProbes();
            running = process;
        }
        if (running == null || !running.isAlive()) {
            return;
        }
        running.destroy();
        try {
            if (!running.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A force delete or the JVM's shutdown hook: no grace, no restart. */
    void kill() {
        stopping = true;
        Process running = process;
        if (running != null) {
            running.destroyForcibly();
        }
    }

    boolean isReady() {
        return ready;
    }

    synchronized ContainerStatus status() {
        ContainerState state;
        if (process != null && process.isAlive()) {
            state = new ContainerStateBuilder().withNewRunning().withStartedAt(startedAt.toString()).endRunning().build();
        } else {
            state = new ContainerStateBuilder().withNewWaiting().withReason(waitingReason).withMessage(waitingMessage)
                    .endWaiting().build();
        }
        return new ContainerStatusBuilder().withName(name).withImage(image).withImageID("harness://" + image)
                .withContainerID(process == null ? null : "process://" + process.pid())
                .withReady(ready).withStarted(started).withRestartCount(restartCount)
                .withState(state).withLastState(lastTerminated).build();
    }

    private synchronized void exited(Process exited) {
        if (exited != process || stopping) {
            return;
        }
        cancelProbes();
        int code = exited.exitValue();
        lastTerminated = new ContainerStateBuilder().withNewTerminated().withExitCode(code)
                .withReason(code == 0 ? "Completed" : "Error").withStartedAt(startedAt.toString())
                .withFinishedAt(Instant.now().toString()).endTerminated().build();
        started = false;
        ready = false;
        waitingReason = CRASH_LOOP;
        waitingMessage = "back-off restarting failed container " + name + ", see " + launch.log();
        onChange.run();
        scheduleRestart();
    }

    private void scheduleRestart() {
        long backOff = Math.min(MAX_BACK_OFF.toMillis(), FIRST_BACK_OFF.toMillis() << Math.min(restartCount, 10));
        scheduler.schedule(() -> {
            synchronized (this) {
                restartCount++;
            }
            start();
        }, backOff, TimeUnit.MILLISECONDS);
    }

    private void scheduleProbes() {
        if (startupProbe != null) {
            schedule(startupProbe, this::startupResult);
        } else {
            startAfterStartup();
        }
    }

    private void startAfterStartup() {
        if (livenessProbe != null) {
            schedule(livenessProbe, this::livenessResult);
        }
        if (readinessProbe != null) {
            schedule(readinessProbe, this::readinessResult);
        } else {
            ready = true;
        }
    }

    private void schedule(HttpProbe probe, Consumer<ProbeResults> onResult) {
        ProbeResults results = new ProbeResults(probe);
        probes.add(scheduler.scheduleWithFixedDelay(() -> {
            results.observe(probe.succeeds());
            onResult.accept(results);
        }, probe.initialDelay().toMillis(), probe.period().toMillis(), TimeUnit.MILLISECONDS));
    }

    private synchronized void startupResult(ProbeResults results) {
        if (stopping || started) {
            return;
        }
        if (results.passed()) {
            started = true;
            cancelProbes();
            startAfterStartup();
            onChange.run();
        } else if (results.failed()) {
            process.destroy();
        }
    }

    private synchronized void livenessResult(ProbeResults results) {
        if (!stopping && results.failed()) {
            // the kubelet kills a container that fails liveness; exited() then restarts it
            process.destroy();
        }
    }

    private synchronized void readinessResult(ProbeResults results) {
        if (stopping) {
            return;
        }
        boolean nowReady = results.passed() || (ready && !results.failed());
        if (nowReady != ready) {
            ready = nowReady;
            onChange.run();
        }
    }

    /** Consecutive results of one probe, against its thresholds. */
    private static final class ProbeResults {
        private final HttpProbe probe;
        private int successes;
        private int failures;

        ProbeResults(HttpProbe probe) {
            this.probe = probe;
        }

        void observe(boolean success) {
            successes = success ? successes + 1 : 0;
            failures = success ? 0 : failures + 1;
        }

        boolean passed() {
            return successes >= probe.successThreshold();
        }

        boolean failed() {
            return failures >= probe.failureThreshold();
        }
    }

    private void cancelProbes() {
        probes.forEach(p -> p.cancel(false));
        probes.clear();
    }
}

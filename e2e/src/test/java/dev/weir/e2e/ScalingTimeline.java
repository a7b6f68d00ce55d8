package dev.weir.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.dependents.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

/**
 * What a user watching an autoscaled job sees, over time: a row a second (the job's lag, replicas and phase, its ready
 * pods, the last scaling decision) to print, and, from watches so that nothing short-lived is missed, every scaling
 * decision the job's status showed and the most replicas its StatefulSet was ever asked for.
 */
final class ScalingTimeline implements AutoCloseable {
    static final String HEADER = String.format(Locale.ROOT, "%6s %7s %6s %8s %9s %8s %5s %-8s %-18s %s",
            "t(s)", "lag", "lag(s)", "input/s", "process/s", "replicas", "ready", "phase", "degraded", "lastScaling");
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);

    /** A decision as the job's status showed it. */
    record Scaling(String reason, int replicas) {
    }

    /**
     * A row of the timeline; {@code ready} is the job's {@code Ready} condition, {@code degraded} the reason of its
     * {@code Degraded} condition while that is True.
     */
    record Sample(double seconds, Long lag, Double lagSeconds, Double inputRate, Double processingRate,
                  Integer replicas, long readyPods, String phase, boolean ready, String degraded, String lastScaling) {
        String row() {
            return String.format(Locale.ROOT, "%6.1f %7s %6s %8s %9s %8s %5d %-8s %-18s %s", seconds, text(lag),
                    lagSeconds == null ? "-" : String.format(Locale.ROOT, "%.1f", lagSeconds), text(inputRate),
                    text(processingRate), text(replicas), readyPods, text(phase), text(degraded), text(lastScaling));
        }

        private static String text(Object value) {
            return Objects.toString(value, "-");
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String job;
    private final Instant start = Instant.now();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final List<Scaling> decisions = new CopyOnWriteArrayList<>();
    private final AtomicInteger mostReplicas = new AtomicInteger();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "scaling-timeline");
        thread.setDaemon(true);
        return thread;
    });
    private final Watch jobWatch;
    private final Watch statefulSetWatch;

    ScalingTimeline(KubernetesClient client, String namespace, String job) {
        this.client = client;
        this.namespace = namespace;
        this.job = job;
        jobWatch = client.resources(StreamJob.class).inNamespace(namespace).withName(job).watch(
                watcher(changed -> noteDecision(changed.getStatus())));
        statefulSetWatch = client.apps().statefulSets().inNamespace(namespace).withName(job).watch(
                watcher(changed -> mostReplicas.accumulateAndGet(
                        Objects.requireNonNullElse(changed.getSpec().getReplicas(), 0), Math::max)));
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Every decision the job's status showed, in order, each once. */
    List<Scaling> decisions() {
        return List.copyOf(decisions);
    }

    /** The most replicas the StatefulSet's spec ever had while the timeline ran (watched, and read at each sample). */
    int mostReplicas() {
        return mostReplicas.get();
    }

    /** Stops sampling, writes the rows to {@code file} and returns them as text. */
    String writeTo(Path file) throws IOException {
        close();
        List<String> rows = new ArrayList<>(List.of(HEADER));
        samples.forEach(sample -> rows.add(sample.row()));
        String text = String.join("\n", rows) + "\n";
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text);
        return text;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        jobWatch.close();
        statefulSetWatch.close();
    }

    private void sample() {
        try {
            StreamJob current = client.resources(StreamJob.class).inNamespace(namespace).withName(job).get();
            StreamJobStatus status = current == null || current.getStatus() == null ? new StreamJobStatus()
                    : current.getStatus();
            // the watch does not outlive an API server restart (the fault run's): a sample reads the spec as well
            StatefulSet workload = client.apps().statefulSets().inNamespace(namespace).withName(job).get();
            if (workload != null) {
                mostReplicas.accumulateAndGet(Objects.requireNonNullElse(workload.getSpec().getReplicas(), 0),
                        Math::max);
            }
            long ready = client.pods().inNamespace(namespace).withLabels(Labels.selector(job)).list().getItems()
                    .stream().filter(ScalingTimeline::isReady).count();
            samples.add(new Sample(seconds(Instant.now()), status.lag, status.lagSeconds,
                    status.inputRate, status.processingRate, status.replicas, ready, status.phase,
                    conditionIs(status, "Ready"), conditionIs(status, "Degraded") ? degradedReason(status) : null,
                    status.lastScaling == null ? null : status.lastScaling.reason));
        } catch (RuntimeException e) {
            // a sample the API server did not answer is a gap in the timeline, not a reason to stop sampling
            System.err.println("timeline sample failed: " + e);
        }
    }

    /** Seconds since the timeline started, the scale of its samples. */
    double seconds(Instant at) {
        return Duration.between(start, at).toMillis() / 1000.0;
    }

    private static boolean conditionIs(StreamJobStatus status, String type) {
        return status.conditions != null && status.conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String degradedReason(StreamJobStatus status) {
        return status.conditions.stream().filter(c -> "Degraded".equals(c.getType())).map(c -> c.getReason())
                .findFirst().orElse(null);
    }

    /** Only the watch calls it, so decisions come in the order the status went through them. */
    private void noteDecision(StreamJobStatus status) {
        if (status == null || status.lastScaling == null || status.lastScaling.reason == null) {
            return;
        }
        Scaling seen = new Scaling(status.lastScaling.reason,
                Objects.requireNonNullElse(status.lastScaling.replicas, 0));
        if (decisions.isEmpty() || !decisions.get(decisions.size() - 1).equals(seen)) {
            decisions.add(seen);
        }
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private interface Change<T> {
        void seen(T resource);
    }

    private static <T> Watcher<T> watcher(Change<T> change) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    change.seen(resource);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // fabric8 re-establishes a watch that the server closed; one that ends here only ends with the test
            }
        };
    }
}

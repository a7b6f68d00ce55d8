package dev.weir.operator.status;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.observe.WorkloadObservation;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the operator reports of each job's pods, as gauges (tags namespace, job) for the chart's dashboard and alerts:
 * {@value #REPLICAS}, {@value #READY_REPLICAS} and {@value #CRASH_LOOPING}.
 */
public final class StatusMetrics {
    static final String REPLICAS = "weir.job.replicas";
    static final String READY_REPLICAS = "weir.job.ready.replicas";
    /** Runtime containers in CrashLoopBackOff, which the Degraded condition names. */
    static final String CRASH_LOOPING = "weir.job.crash.looping.pods";

    private final MeterRegistry registry;
    private final Map<Tags, double[]> values = new ConcurrentHashMap<>();

    public StatusMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(StreamJob job, StreamJobStatus status, WorkloadObservation observed) {
        Tags tags = Tags.of("namespace", Objects.toString(job.getMetadata().getNamespace(), ""), "job",
                job.getMetadata().getName());
        // gauges read this array: registered once per job, updated at every reconcile
        double[] latest = values.computeIfAbsent(tags, this::register);
        latest[0] = Objects.requireNonNullElse(status.replicas, 0);
        latest[1] = Objects.requireNonNullElse(status.readyReplicas, 0);
        latest[2] = observed.crashLoops().size();
    }

    private double[] register(Tags tags) {
        double[] latest = new double[3];
        Gauge.builder(REPLICAS, latest, v -> v[0]).description("Runtime pods the job's StatefulSet runs").tags(tags)
                .register(registry);
        Gauge.builder(READY_REPLICAS, latest, v -> v[1]).description("Runtime pods that are ready").tags(tags)
                .register(registry);
        Gauge.builder(CRASH_LOOPING, latest, v -> v[2]).description("Runtime pods whose container crash-loops")
                .tags(tags).register(registry);
        return latest;
    }
}

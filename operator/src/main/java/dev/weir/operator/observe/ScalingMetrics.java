package dev.weir.operator.observe;

import dev.weir.api.ScalingSpec;
import dev.weir.api.StreamJob;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.autoscaler.Load;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's autoscaling metrics, per job (tags namespace, job): {@value #LAG}, {@value #INPUT_RATE},
 * {@value #PROCESSING_RATE}, {@value #DESIRED_REPLICAS}, {@value #LAG_TARGET} gauges and the {@value #DECISIONS}
 * counter by reason.
 */
public final class ScalingMetrics {
    public static final String LAG = "weir.job.lag.records";
    static final String INPUT_RATE = "weir.job.input.records.per.second";
    static final String PROCESSING_RATE = "weir.job.processing.records.per.second";
    static final String DESIRED_REPLICAS = "weir.job.desired.replicas";
    static final String DECISIONS = "weir.autoscaler.decisions";
    /** spec.scaling.maxLagSeconds: what the chart's lag alert compares the lag in seconds with. */
    static final String LAG_TARGET = "weir.job.lag.target.seconds";

    private final MeterRegistry registry;
    private final Map<Tags, double[]> values = new ConcurrentHashMap<>();

    public ScalingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(StreamJob job, Load load, Optional<Decision> decision, int current) {
        Tags tags = Tags.of("namespace", Objects.toString(job.getMetadata().getNamespace(), ""), "job",
                job.getMetadata().getName());
        // gauges read this array: registered once per job, updated at every poll
        double[] latest = values.computeIfAbsent(tags, this::register);
        latest[0] = load.lag();
        latest[1] = load.inputRate();
        latest[2] = load.processingRate();
        latest[3] = decision.map(Decision::recommended).orElse(current);
        latest[4] = Objects.requireNonNullElseGet(job.getSpec().scaling, ScalingSpec::new).maxLagSecondsOrDefault();
        decision.ifPresent(d -> Counter.builder(DECISIONS).description("Autoscaler decisions, by reason")
                .tags(tags.and("reason", d.reason().name())).register(registry).increment());
    }

    private double[] register(Tags tags) {
        double[] latest = new double[5];
        Gauge.builder(LAG, latest, v -> v[0]).description("Records the job's consumers are behind").tags(tags)
                .register(registry);
        Gauge.builder(INPUT_RATE, latest, v -> v[1]).description("Records per second arriving in the source")
                .tags(tags).register(registry);
        Gauge.builder(PROCESSING_RATE, latest, v -> v[2]).description("Records per second the job commits")
                .tags(tags).register(registry);
        Gauge.builder(DESIRED_REPLICAS, latest, v -> v[3]).description("Runtime pods the autoscaler wants")
                .tags(tags).register(registry);
        Gauge.builder(LAG_TARGET, latest, v -> v[4]).description("The lag in seconds the job is scaled to stay under")
                .tags(tags).register(registry);
        return latest;
    }
}

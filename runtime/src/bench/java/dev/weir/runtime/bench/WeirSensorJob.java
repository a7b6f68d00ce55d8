package dev.weir.runtime.bench;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.ProcessingGuarantee;
import dev.weir.api.StreamJob;
import dev.weir.api.TracingSpec;
import dev.weir.runtime.kafka.JobTopics;
import dev.weir.runtime.kafka.StreamsSettings;
import dev.weir.runtime.kafka.StreamsTopology;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.tracing.JobTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.Topology;

/**
 * The sensor example's StreamJob run by the Weir runtime, built as pod mode builds it ({@code JobTopologyProducer}):
 * {@link StreamsTopology} with the default progress interval and the job's idle timeout. Only the topics are
 * renamed for the benchmark, and the guarantee is at_least_once like the hand-written application's. Traced, its
 * spans go through the SDK's batch processor to the JSON-lines exporter of {@code weir run --traces}, writing to
 * /dev/null: the runtime's whole cost of tracing, serialization included, without a collector's.
 */
final class WeirSensorJob implements BenchmarkedJob {
    private static final Path DISCARD = Path.of("/dev/null");

    private final StreamJob job;
    private final int sourcePartitions;
    private final Double sampleRatio;
    private SimpleMeterRegistry registry;
    private JobMetrics metrics;
    private JobTracing tracing;

    /** @param sampleRatio null: not traced */
    WeirSensorJob(Path jobFile, int sourcePartitions, Double sampleRatio) {
        this.job = read(jobFile);
        this.sourcePartitions = sourcePartitions;
        this.sampleRatio = sampleRatio;
        job.getSpec().processingGuarantee = ProcessingGuarantee.at_least_once;
        if (sampleRatio != null) {
            job.getSpec().tracing = new TracingSpec();
            job.getSpec().tracing.sampleRatio = sampleRatio;
        }
    }

    static String name(Double sampleRatio) {
        return sampleRatio == null ? "weir" : "weir-traced-" + sampleRatio;
    }

    @Override
    public String name() {
        return name(sampleRatio);
    }

    @Override
    public Topology topology(String applicationId, String input, String sink, String deadLetter) {
        job.getSpec().source.kafka.topic = input;
        job.getSpec().sink.kafka.topic = sink;
        job.getSpec().deadLetter.kafka.topic = deadLetter;
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        registry = new SimpleMeterRegistry();
        metrics = new JobMetrics(registry);
        if (tracing != null) {
            tracing.close();
        }
        tracing = sampleRatio == null ? null : traceTo(DISCARD);
        return StreamsTopology.build(compiled, JobTopics.of(job.getSpec()), sourcePartitions,
                tracing == null ? metrics : metrics.andThen(tracing.listener()),
                StreamsTopology.DEFAULT_PROGRESS_INTERVAL, compiled.idleTimeout());
    }

    @Override
    public Map<String, Object> settings() {
        return new HashMap<>(StreamsSettings.of(job));
    }

    @Override
    public String repartitionTopic(String applicationId) {
        return JobTopics.keyedTopic(applicationId);
    }

    /**
     * Records of the run started last that are done with: taken into their windows by the window tasks, or
     * dead-lettered (late ones included); windows dead-lettered are not records.
     */
    long processed() {
        if (registry == null) {
            return 0;
        }
        return (long) (registry.counter(JobMetrics.RECORDS_WINDOWED).count() + sum(JobMetrics.DEAD_LETTERS)
                - sum(JobMetrics.WINDOW_DEAD_LETTERS));
    }

    private double sum(String counter) {
        return registry.find(counter).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Override
    public String summary() {
        return metrics == null ? "" : String.join("; ", metrics.summary(true));
    }

    private JobTracing traceTo(Path file) {
        try {
            return JobTracing.toFile(job, file);
        } catch (IOException e) {
            throw new UncheckedIOException("opening " + file + " failed", e);
        }
    }

    private static StreamJob read(Path file) {
        try {
            return JobFiles.readString(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed", e);
        } catch (InvalidJobException e) {
            throw new IllegalStateException(file + " is not a valid job: " + e.getMessage(), e);
        }
    }
}

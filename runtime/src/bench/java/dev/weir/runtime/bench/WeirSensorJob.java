package dev.weir.runtime.bench;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.ProcessingGuarantee;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.JobTopics;
import dev.weir.runtime.kafka.StreamsSettings;
import dev.weir.runtime.kafka.StreamsTopology;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobMetrics;
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
 * renamed for the benchmark, and the guarantee is at_least_once like the hand-written application's.
 */
final class WeirSensorJob implements BenchmarkedJob {
    private final StreamJob job;
    private final int sourcePartitions;
    private JobMetrics metrics;

    WeirSensorJob(Path jobFile, int sourcePartitions) {
        this.job = read(jobFile);
        this.sourcePartitions = sourcePartitions;
        job.getSpec().processingGuarantee = ProcessingGuarantee.at_least_once;
    }

    @Override
    public String name() {
        return "weir";
    }

    @Override
    public Topology topology(String applicationId, String input, String sink, String deadLetter) {
        job.getSpec().source.kafka.topic = input;
        job.getSpec().sink.kafka.topic = sink;
        job.getSpec().deadLetter.kafka.topic = deadLetter;
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        metrics = new JobMetrics(new SimpleMeterRegistry());
        return StreamsTopology.build(compiled, JobTopics.of(job.getSpec()), sourcePartitions, metrics,
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

    @Override
    public String summary() {
        return metrics == null ? "" : String.join("; ", metrics.summary(true));
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

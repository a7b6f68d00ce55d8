package dev.weir.runtime.tracing;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobStreams;
import dev.weir.runtime.pipeline.RecordListener;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A job's OpenTelemetry SDK, configured from the job ({@code spec.tracing}) and the pod, never from system properties
 * or the global instance: the tracer of its {@link #listener()} and the exporter its spans go to.
 */
public final class JobTracing implements AutoCloseable {
    /** The pod's job generation, which the operator sets from the StreamJob's metadata.generation. */
    public static final String JOB_GENERATION_ENV = "WEIR_JOB_GENERATION";
    /** The instrumentation scope of the runtime's spans. */
    public static final String SCOPE = "dev.weir.runtime";
    /** How long closing waits for the last spans to be exported. */
    private static final long CLOSE_TIMEOUT_SECONDS = 10;
    private static final Logger LOG = Logger.getLogger(JobTracing.class);

    private final SdkTracerProvider provider;
    private final RecordListener listener;

    private JobTracing(StreamJob job, SpanExporter exporter, double sampleRatio, Attributes pod) {
        provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource(job, pod))))
                // RecordTracing decides which records are traced before it starts a span; the SDK records all
                .setSampler(Sampler.alwaysOn())
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        StreamJobSpec spec = job.getSpec();
        JobStreams streams = JobStreams.of(spec);
        CompiledJob.Window window = CompiledJob.compile(spec).window();
        String system = spec.source.kinesis != null ? SpanAttributes.AWS_KINESIS : SpanAttributes.KAFKA;
        // the consumer group of a Kinesis job is its KCL application, whose name is the lease table's
        listener = new RecordTracing(provider.get(SCOPE), sampleRatio, new RecordTracing.Names(system,
                streams.source(), streams.sink(), streams.deadLetter(), ConsumerGroups.of(job),
                window == null ? null : window.keyBy()));
    }

    /**
     * Pod mode: spans to {@code spec.tracing.endpoint} over OTLP/gRPC, {@code spec.tracing.sampleRatio} of the records
     * not already sampled upstream; empty when the job has no {@code spec.tracing}.
     *
     * @param podName       the pod's name, or null outside Kubernetes
     * @param jobGeneration the value of {@value #JOB_GENERATION_ENV}, or null
     */
    public static Optional<JobTracing> of(StreamJob job, String podName, String jobGeneration) {
        if (job.getSpec().tracing == null) {
            return Optional.empty();
        }
        String endpoint = job.getSpec().tracing.endpoint;
        double ratio = job.getSpec().tracing.sampleRatioOrDefault();
        LOG.infof("tracing %s of the records to %s", ratio, endpoint);
        SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build();
        return Optional.of(new JobTracing(job, exporter, ratio, pod(podName, jobGeneration)));
    }

    /**
     * {@code weir run --traces FILE}: spans as JSON lines to {@code file}; every record is traced unless the job sets
     * {@code spec.tracing.sampleRatio}.
     */
    public static JobTracing toFile(StreamJob job, Path file) throws IOException {
        double ratio = job.getSpec().tracing == null || job.getSpec().tracing.sampleRatio == null ? 1.0
                : job.getSpec().tracing.sampleRatio;
        return new JobTracing(job, new JsonLinesSpanExporter(file), ratio, Attributes.empty());
    }

    /** The listener that traces the job's records. */
    public RecordListener listener() {
        return listener;
    }

    /** Ends tracing: exports the spans not yet exported (bounded) and closes the exporter. */
    @Override
    public void close() {
        provider.shutdown().join(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static Attributes resource(StreamJob job, Attributes pod) {
        AttributesBuilder attributes = Attributes.builder().putAll(pod)
                .put(SpanAttributes.SERVICE_NAME, job.getMetadata().getName());
        String namespace = job.getMetadata().getNamespace();
        if (namespace != null && !namespace.isBlank()) {
            attributes.put(SpanAttributes.K8S_NAMESPACE, namespace);
        }
        return attributes.build();
    }

    private static Attributes pod(String podName, String jobGeneration) {
        AttributesBuilder attributes = Attributes.builder();
        if (podName != null && !podName.isBlank()) {
            attributes.put(SpanAttributes.K8S_POD, podName);
        }
        if (jobGeneration != null && jobGeneration.matches("[0-9]+")) {
            attributes.put(SpanAttributes.JOB_GENERATION, Long.parseLong(jobGeneration));
        }
        return attributes.build();
    }
}

package dev.weir.operator;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator's traces (docs/tracing.md): a span per reconcile of a StreamJob with the job and what its phases
 * came to, and each scaling decision as an event of that span. Off (a no-op tracer) unless the operator has an
 * endpoint ({@value #ENDPOINT}).
 */
public final class ReconcileTracing implements AutoCloseable {
    /** The operator's OTLP/gRPC endpoint, which the chart sets from {@code tracing.endpoint}. */
    public static final String ENDPOINT = "WEIR_TRACING_ENDPOINT";
    public static final String SPAN_NAME = "reconcile StreamJob";
    public static final String SCALING_EVENT = "weir.scaling";
    public static final String SERVICE_NAME = "weir-operator";

    static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("k8s.namespace.name");
    static final AttributeKey<String> JOB = AttributeKey.stringKey("weir.job.name");
    static final AttributeKey<Long> GENERATION = AttributeKey.longKey("weir.job.generation");
    static final AttributeKey<Boolean> VALID = AttributeKey.booleanKey("weir.job.valid");
    static final AttributeKey<String> PHASE = AttributeKey.stringKey("weir.job.phase");
    static final AttributeKey<String> READY = AttributeKey.stringKey("weir.job.ready");
    static final AttributeKey<String> READY_REASON = AttributeKey.stringKey("weir.job.ready.reason");
    static final AttributeKey<Boolean> STATUS_PATCHED = AttributeKey.booleanKey("weir.reconcile.status_patched");
    static final AttributeKey<Long> REPLICAS_FROM = AttributeKey.longKey("weir.scaling.from");
    static final AttributeKey<Long> REPLICAS_TO = AttributeKey.longKey("weir.scaling.to");
    static final AttributeKey<String> SCALING_REASON = AttributeKey.stringKey("weir.scaling.reason");
    static final AttributeKey<String> SCALING_MESSAGE = AttributeKey.stringKey("weir.scaling.message");
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> POD = AttributeKey.stringKey("k8s.pod.name");
    private static final String SCOPE = "dev.weir.operator";
    private static final long CLOSE_TIMEOUT_SECONDS = 10;

    /** Traces nothing. */
    public static final ReconcileTracing OFF = new ReconcileTracing(TracerProvider.noop().get(SCOPE), Optional.empty());

    private final Tracer tracer;
    private final Optional<SdkTracerProvider> provider;

    ReconcileTracing(Tracer tracer, Optional<SdkTracerProvider> provider) {
        this.tracer = tracer;
        this.provider = provider;
    }

    /** Spans to the endpoint in {@value #ENDPOINT}, or {@link #OFF} without one. */
    public static ReconcileTracing fromEnvironment(Map<String, String> env) {
        Optional<String> endpoint = OperatorConfig.nonBlank(env.get(ENDPOINT));
        if (endpoint.isEmpty()) {
            return OFF;
        }
        if (!endpoint.get().matches(dev.weir.api.SourceSpec.HTTP_URL)) {
            throw new IllegalArgumentException(ENDPOINT + "=" + endpoint.get()
                    + " is not an http:// or https:// URL: give the collector's OTLP/gRPC endpoint, e.g."
                    + " http://otel-collector.monitoring:4317");
        }
        var resource = Attributes.builder().put(SERVICE, SERVICE_NAME);
        OperatorConfig.nonBlank(env.get(OperatorConfig.LEASE_IDENTITY)).ifPresent(pod -> resource.put(POD, pod));
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .addSpanProcessor(BatchSpanProcessor.builder(
                        OtlpGrpcSpanExporter.builder().setEndpoint(endpoint.get()).build()).build())
                .build();
        return new ReconcileTracing(provider.get(SCOPE), Optional.of(provider));
    }

    /** Runs one reconcile of {@code job} in a span of its own, which scaling decisions inside it add events to. */
    UpdateControl<StreamJob> reconcile(StreamJob job, Supplier<UpdateControl<StreamJob>> reconcile) {
        Span span = tracer.spanBuilder(SPAN_NAME).setNoParent()
                .setAttribute(NAMESPACE, String.valueOf(job.getMetadata().getNamespace()))
                .setAttribute(JOB, job.getMetadata().getName())
                .setAttribute(GENERATION, job.getMetadata().getGeneration() == null ? 0
                        : job.getMetadata().getGeneration())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            UpdateControl<StreamJob> control = reconcile.get();
            StreamJobStatus status = control.getResource().map(StreamJob::getStatus).orElse(job.getStatus());
            span.setAttribute(STATUS_PATCHED, control.isPatchStatus());
            if (status != null) {
                span.setAttribute(PHASE, String.valueOf(status.phase));
                status.conditions.stream().filter(c -> Conditions.READY.equals(c.getType())).findFirst()
                        .ifPresent(ready -> outcome(span, ready));
            }
            return control;
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getMessage() == null ? e.getClass().getName() : e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }

    /** Whether the spec was valid: an attribute of the reconcile's span. */
    static void validated(int errors) {
        Span.current().setAttribute(VALID, errors == 0);
    }

    /** A fresh decision of the autoscaler for a job running {@code current} pods: an event of the reconcile's span. */
    static void scalingDecided(Decision decision, int current) {
        Span.current().addEvent(SCALING_EVENT, Attributes.of(REPLICAS_FROM, (long) current,
                REPLICAS_TO, (long) decision.replicas(), SCALING_REASON, decision.reason().name(),
                SCALING_MESSAGE, decision.message()));
    }

    private static void outcome(Span span, Condition ready) {
        span.setAttribute(READY, ready.getStatus());
        if (ready.getReason() != null) {
            span.setAttribute(READY_REASON, ready.getReason());
        }
    }

    /** Exports the spans not yet exported (bounded) and stops. */
    @Override
    public void close() {
        provider.ifPresent(p -> p.shutdown().join(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
}

package dev.weir.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.autoscaler.Reason;
import dev.weir.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reconcile span's attributes and scaling events, with the SDK exporting to memory. */
class ReconcileTracingTest {
    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    private final ReconcileTracing tracing = new ReconcileTracing(provider.get("test"), Optional.empty());

    @AfterEach
    void close() {
        provider.close();
    }

    private static StreamJob job() {
        StreamJob job = new StreamJob();
        job.setMetadata(new ObjectMetaBuilder().withName("readings").withNamespace("jobs").withGeneration(4L).build());
        return job;
    }

    @Test
    void aReconcileIsASpanWithTheJobItsPhaseAndItsScalingDecisions() {
        StreamJob job = job();
        tracing.reconcile(job, () -> {
            ReconcileTracing.validated(0);
            ReconcileTracing.scalingDecided(new Decision(3, 3, Reason.LagAboveTarget, "lag 900 over 300"), 1);
            StreamJob patched = job();
            patched.setStatus(new StreamJobStatus());
            patched.getStatus().phase = "Running";
            patched.getStatus().conditions.add(Conditions.of(Conditions.READY, true, "Running", "ok", 4L));
            return UpdateControl.patchStatus(patched);
        });
        SpanData span = exported.getFinishedSpanItems().get(0);
        assertEquals(ReconcileTracing.SPAN_NAME, span.getName());
        assertEquals("readings", span.getAttributes().get(ReconcileTracing.JOB));
        assertEquals("jobs", span.getAttributes().get(ReconcileTracing.NAMESPACE));
        assertEquals(4L, span.getAttributes().get(ReconcileTracing.GENERATION));
        assertEquals(true, span.getAttributes().get(ReconcileTracing.VALID));
        assertEquals("Running", span.getAttributes().get(ReconcileTracing.PHASE));
        assertEquals("True", span.getAttributes().get(ReconcileTracing.READY));
        assertEquals(true, span.getAttributes().get(ReconcileTracing.STATUS_PATCHED));
        EventData scaling = span.getEvents().get(0);
        assertEquals(ReconcileTracing.SCALING_EVENT, scaling.getName());
        assertEquals(Map.of("from", 1L, "to", 3L, "reason", "LagAboveTarget", "message", "lag 900 over 300"),
                Map.of("from", scaling.getAttributes().get(ReconcileTracing.REPLICAS_FROM),
                        "to", scaling.getAttributes().get(ReconcileTracing.REPLICAS_TO),
                        "reason", scaling.getAttributes().get(ReconcileTracing.SCALING_REASON),
                        "message", scaling.getAttributes().get(ReconcileTracing.SCALING_MESSAGE)));
    }

    @Test
    void aFailedReconcileIsAnErrorSpan() {
        IllegalStateException failure = new IllegalStateException("the API server said no");
        assertThrows(IllegalStateException.class, () -> tracing.reconcile(job(), () -> {
            throw failure;
        }));
        SpanData span = exported.getFinishedSpanItems().get(0);
        assertEquals(StatusCode.ERROR, span.getStatus().getStatusCode());
        assertEquals("the API server said no", span.getStatus().getDescription());
        assertEquals(List.of("exception"), span.getEvents().stream().map(EventData::getName).toList());
    }

    @Test
    void withoutAnEndpointNothingIsTraced() {
        assertEquals(ReconcileTracing.OFF, ReconcileTracing.fromEnvironment(Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReconcileTracing.fromEnvironment(Map.of(ReconcileTracing.ENDPOINT, "collector:4317")));
        assertEquals(ReconcileTracing.ENDPOINT + "=collector:4317 is not an http:// or https:// URL: give the"
                + " collector's OTLP/gRPC endpoint, e.g. http://otel-collector.monitoring:4317", e.getMessage());
    }
}

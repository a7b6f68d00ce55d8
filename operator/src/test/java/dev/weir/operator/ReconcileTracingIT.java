package dev.weir.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.StreamJob;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.status.JobStatuses;
import dev.weir.runtime.testing.OtelCollector.Span;
import dev.weir.runtime.testing.OtelCollector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator with a tracing endpoint, against a real kube-apiserver, sends a span per reconcile to a real
 * OpenTelemetry Collector: the job, whether its spec was valid, and the phase it reached, as its status says.
 */
class ReconcileTracingIT {
    private static final String NAMESPACE = "traced";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String SPEC = """
            spec:
              source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
              pipeline:
                - filter: "temperature > -50.0"
                - window: {keyBy: sensor_id, tumbling: 10m, aggregate: {readings: count()}}
              sink: {kafka: {topic: aggregates}}
              deadLetter: {kafka: {topic: readings-dlq}}
            """;

    @RegisterExtension
    @Order(1)
    static final OtelCollector collector = new OtelCollector();

    @RegisterExtension
    @Order(2)
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces(NAMESPACE)
            .withOperator(client -> WeirOperator.start(client,
                    OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()), Metrics.NOOP,
                    new SimpleMeterRegistry(), ReconcileTracingIT.platform.closeAfterTheOperator(
                            ReconcileTracing.fromEnvironment(Map.of(ReconcileTracing.ENDPOINT, collector.endpoint(),
                                    OperatorConfig.LEASE_IDENTITY, "weir-operator-0")))));

    private static KubernetesClient client() {
        return platform.client();
    }

    @Test
    void eachReconcileIsASpanWithTheJobAndWhatItCameTo() {
        create("valid", SPEC);
        create("broken", SPEC.replace("temperature > -50.0", "temperature >"));
        List<Span> spans = collector.awaitSpans("a reconcile span of each job with the phase its status reports",
                TIMEOUT, s -> reportingStatus(s, "valid").isPresent() && reportingStatus(s, "broken").isPresent());
        Span valid = reportingStatus(spans, "valid").orElseThrow();
        Span broken = reportingStatus(spans, "broken").orElseThrow();
        assertEquals(true, valid.attribute("weir.job.valid"));
        assertEquals(false, broken.attribute("weir.job.valid"));
        assertEquals(NAMESPACE, valid.attribute("k8s.namespace.name"));
        assertEquals(1L, valid.attribute("weir.job.generation"));
        assertEquals(JobStatuses.INVALID_SPEC, broken.attribute("weir.job.ready.reason"));
        assertEquals("False", broken.attribute("weir.job.ready"));
        assertEquals(ReconcileTracing.SERVICE_NAME, valid.resource().get("service.name"));
        assertEquals("weir-operator-0", valid.resource().get("k8s.pod.name"));
    }

    /** The last reconcile span of the job whose phase is the one its status reports now. */
    private static Optional<Span> reportingStatus(List<Span> spans, String name) {
        StreamJob job = client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(name).get();
        if (job == null || job.getStatus() == null) {
            return Optional.empty();
        }
        return spans.stream().filter(s -> s.name().equals(ReconcileTracing.SPAN_NAME)
                        && name.equals(s.attribute("weir.job.name"))
                        && job.getStatus().phase.equals(s.attribute("weir.job.phase")))
                .reduce((first, last) -> last);
    }

    private static void create(String name, String spec) {
        StreamJob job = client().getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                """.formatted(name, NAMESPACE) + spec, StreamJob.class);
        client().resources(StreamJob.class).resource(job).create();
    }
}

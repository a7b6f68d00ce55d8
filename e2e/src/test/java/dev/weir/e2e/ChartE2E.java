package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** The chart as a user installs it: the operator runs, and the CRD's CEL rules refuse a bad StreamJob at apply time. */
class ChartE2E extends PlatformScenario {
    static final String CEL_TWO_SOURCES_MESSAGE = "set exactly one of kafka or kinesis";

    @Test
    void theChartRunsTheOperator() {
        await().atMost(POD_TIMEOUT).untilAsserted(() -> {
            Deployment operator = client().apps().deployments().inNamespace(NAMESPACE)
                    .withName(E2EPlatform.OPERATOR_DEPLOYMENT).get();
            assertEquals(1, operator.getStatus().getReadyReplicas(), () -> "operator not ready: " + operator.getStatus());
        });
    }

    @Test
    void anInvalidJobIsRefusedWithTheCelRulesMessage() {
        GenericKubernetesResource twoSources = Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: two-sources, namespace: %s}
                spec:
                  source:
                    kafka: {bootstrapServers: "%s", topic: %s}
                    kinesis: {stream: readings, region: eu-west-1}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                """.formatted(NAMESPACE, platform.podBootstrapServers(), "readings", "aggregates", "readings-dlq"),
                GenericKubernetesResource.class);

        var refused = assertThrows(KubernetesClientException.class, () -> client().resource(twoSources).create());

        assertEquals(422, refused.getCode(), refused::getMessage);
        assertTrue(refused.getMessage().contains(CEL_TWO_SOURCES_MESSAGE), refused::getMessage);
        assertNull(client().resources(StreamJob.class).inNamespace(NAMESPACE).withName("two-sources").get());
    }
}

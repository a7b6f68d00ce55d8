package dev.weir.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of the operator's test cluster ({@link TestKubeApiServer}): the API server enforces the StreamJob
 * CRD, its CEL rules included.
 */
class KubeApiServerIT {

    private static final String NAMESPACE = "weir-it";

    private static TestKubeApiServer apiServer;
    private static KubernetesClient client;

    @BeforeAll
    static void startApiServerWithTheStreamJobCrd() throws IOException {
        apiServer = TestKubeApiServer.startWithStreamJobCrd();
        client = apiServer.client();
        apiServer.createNamespace(NAMESPACE);
    }

    @AfterAll
    static void stopApiServer() {
        if (apiServer != null) {
            apiServer.close();
        }
    }

    @Test
    void kubectlExplainTeachesTheSpecFromTheFieldDescriptions() throws Exception {
        String explained = apiServer.kubectl("explain", "streamjob.spec");
        System.out.println("kubectl explain streamjob.spec:\n" + explained);

        assertTrue(explained.contains("KIND:       StreamJob"), explained);
        assertTrue(explained.contains("How many runtime pods run the job, driven by consumer lag."), explained);
        assertTrue(explained.contains("suspend\t<boolean>"), explained);
    }

    @Test
    void storesAConfigMap() {
        client.resource(new ConfigMapBuilder()
                .withNewMetadata().withName("settings").withNamespace(NAMESPACE).endMetadata()
                .withData(Map.of("interval", "30s"))
                .build()).create();

        var stored = client.configMaps().inNamespace(NAMESPACE).withName("settings").get();

        assertEquals(Map.of("interval", "30s"), stored.getData());
    }

    @Test
    void acceptsAValidStreamJobAndAppliesTheSchemaDefaults() {
        streamJobs().resource(streamJob("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: readings}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                """)).create();

        GenericKubernetesResource stored = streamJobs().withName("readings").get();

        assertEquals("readings", stored.get("spec", "source", "kafka", "topic"));
        assertEquals("earliest", stored.get("spec", "source", "kafka", "startingOffsets"));
        assertEquals(false, stored.get("spec", "suspend"));
    }

    @Test
    void refusesAStreamJobWithTwoSourcesWithTheCelRulesMessage() {
        var twoSources = streamJob("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: two-sources}
                spec:
                  source:
                    kafka: {bootstrapServers: "kafka:9092", topic: readings}
                    kinesis: {stream: readings, region: eu-west-1}
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                """);

        var refused = assertThrows(KubernetesClientException.class,
                () -> streamJobs().resource(twoSources).create());

        assertEquals(422, refused.getCode(), refused::getMessage);
        assertTrue(refused.getStatus().getDetails().getCauses().stream()
                        .anyMatch(cause -> "spec.source".equals(cause.getField())
                                && cause.getMessage().contains("set exactly one of kafka or kinesis")),
                refused::getMessage);
        assertNull(streamJobs().withName("two-sources").get());
    }

    @Test
    void refusesSinksOnTheDeadLetterOrSourceTopicTopicNamesKafkaRefusesAndLongJobNames() {
        String job = """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                """;
        for (String[] refused : new String[][] {
                {"one-topic", "out", "out", "spec", "spec.deadLetter must not be spec.sink's topic or stream"},
                {"reads-itself", "readings", "dlq", "spec", "spec.sink and spec.deadLetter must not be the source"},
                {"bad-topic", "two words", "dlq", "spec.sink.kafka.topic", "should match"},
                // the API server reports a rule on the object itself at the field <nil>
                {"n".repeat(53), "out", "dlq", "<nil>", "metadata.name names the job's StatefulSet and Service"}}) {
            var invalid = streamJob(job.formatted(refused[0], refused[1], refused[2]));

            var error = assertThrows(KubernetesClientException.class, () -> streamJobs().resource(invalid).create());

            assertEquals(422, error.getCode(), error::getMessage);
            assertTrue(error.getStatus().getDetails().getCauses().stream()
                    .anyMatch(cause -> refused[3].equals(cause.getField()) && cause.getMessage().contains(refused[4])),
                    error::getMessage);
            assertNull(streamJobs().withName(refused[0]).get());
        }
    }

    @Test
    void refusesAStreamJobWithBothSqlAndAPipeline() {
        var both = streamJob("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: both}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sql: SELECT * FROM readings WHERE temperature > 0.0
                  pipeline:
                    - filter: "temperature > 0.0"
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                """);

        var refused = assertThrows(KubernetesClientException.class, () -> streamJobs().resource(both).create());

        assertEquals(422, refused.getCode(), refused::getMessage);
        assertTrue(refused.getMessage().contains("set spec.sql or spec.pipeline, not both"), refused::getMessage);
        assertNull(streamJobs().withName("both").get());
    }

    private static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> streamJobs() {
        return client.genericKubernetesResources("weir.dev/v1alpha1", "StreamJob").inNamespace(NAMESPACE);
    }

    private static GenericKubernetesResource streamJob(String yaml) {
        return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    }
}

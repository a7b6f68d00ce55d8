package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.marcnuri.helm.Helm;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.Labels;
import dev.weir.operator.Workload;
import dev.weir.runtime.testing.WindowAssertions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The platform end to end, written once for any cluster (JOSDK's {@code WebPageOperatorAbstractTest} shape): the chart
 * is installed as a user installs it, {@code examples/sensor-aggregates.yaml} runs on the cluster's Kafka, and the
 * suite checks what a user sees — windows in the sink topic, the job's status, pods and objects coming and going.
 * Subclasses say which cluster ({@link #client()}, {@link #kubeconfig()}) and where Kafka is for pods and for the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractStreamJobE2E {
    static final String NAMESPACE = "weir";
    static final String RELEASE = "weir";
    static final String OPERATOR_DEPLOYMENT = "weir-operator";
    static final Path CHART = Path.of(System.getProperty("weir.e2e.chart", "../charts/weir"));
    static final Path EXAMPLE = Path.of("..", "examples", "sensor-aggregates.yaml");
    static final String JOB = "sensor-aggregates";
    static final String SOURCE_TOPIC = "sensor-readings";
    static final String SINK_TOPIC = "sensor-aggregates";
    static final String DEAD_LETTER_TOPIC = "sensor-readings-dlq";
    static final String CEL_TWO_SOURCES_MESSAGE = "set exactly one of kafka or kinesis";

    /** Pod start-ups are JVM start-ups: seconds each on a loaded two-core machine. */
    static final Duration POD_TIMEOUT = Duration.ofMinutes(2);
    static final Duration GONE_TIMEOUT = Duration.ofMinutes(2);
    static final Duration QUIET = Duration.ofSeconds(2);
    private static final Instant BASE = Instant.parse("2024-05-01T12:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(10);

    private final List<Map<String, Object>> expectedWindows = new ArrayList<>();
    private KafkaTopics kafka;
    private boolean helmInstallStarted;

    /** Starts or connects to the cluster; before anything else. */
    abstract void startCluster() throws Exception;

    /** Stops or disconnects from the cluster; last, whatever happened. */
    abstract void stopCluster();

    /** An admin client of the cluster under test. */
    abstract KubernetesClient client();

    /** The cluster's kubeconfig, for Helm. */
    abstract Path kubeconfig();

    /** The brokers as the job's pods reach them: what the suite writes into the job's spec. */
    abstract String podBootstrapServers();

    /** The brokers as this test JVM reaches them. */
    abstract String testBootstrapServers();

    /** Chart values the cluster needs on top of the defaults (image names, say). */
    Map<String, Object> chartValues() {
        return Map.of();
    }

    /** A check that the cluster, not only the API, has let go of a deleted job's pods. */
    void assertRuntimeProcessesGone() {
    }

    @BeforeAll
    void installWeir() throws Exception {
        startCluster();
        kafka = new KafkaTopics(testBootstrapServers());
        for (String topic : List.of(SOURCE_TOPIC, SINK_TOPIC, DEAD_LETTER_TOPIC)) {
            kafka.create(topic, 1);
        }
        var install = new Helm(CHART).install().withName(RELEASE).withNamespace(NAMESPACE).createNamespace()
                .withKubeConfig(kubeconfig());
        chartValues().forEach(install::set);
        helmInstallStarted = true;
        install.call();
    }

    @AfterAll
    void uninstallWeir() {
        try {
            if (helmInstallStarted) {
                Helm.uninstall(RELEASE).withNamespace(NAMESPACE).withKubeConfig(kubeconfig()).ignoreNotFound().call();
            }
        } finally {
            stopCluster();
        }
    }

    @Test
    @Order(1)
    void theChartRunsTheOperator() {
        await().atMost(POD_TIMEOUT).untilAsserted(() -> {
            Deployment operator = client().apps().deployments().inNamespace(NAMESPACE).withName(OPERATOR_DEPLOYMENT).get();
            assertEquals(1, operator.getStatus().getReadyReplicas(), () -> "operator not ready: " + operator.getStatus());
        });
    }

    @Test
    @Order(2)
    void aJobRunsRollsOnAnEditSuspendsResumesAndGoesWhenDeleted() throws Exception {
        StreamJob job = client().resources(StreamJob.class).load(EXAMPLE.toFile()).item();
        job.getMetadata().setNamespace(NAMESPACE);
        job.getSpec().source.kafka.bootstrapServers = podBootstrapServers();
        client().resource(job).create();

        String firstPod = awaitRunning();
        windowOfReadings(0, Map.of("s1", List.of(68.0, 71.6), "s2", List.of(77.0, 50.0, 59.0)));
        awaitSinkHoldsTheExpectedWindows();

        String hashBefore = configHash();
        // a stricter filter: a new config hash, so the pods roll; -45 °F passed the old filter and not the new one
        streamJob().patch(PatchContext.of(PatchType.JSON),
                "[{\"op\": \"replace\", \"path\": \"/spec/pipeline/0/filter\", \"value\": \"temperature > -40.0\"}]");
        await().atMost(POD_TIMEOUT).until(() -> !configHash().equals(hashBefore));
        String rolledPod = awaitRunning();
        assertNotEquals(firstPod, rolledPod, "the edit rolls the pod");
        assertEquals(configHash(), runtimePod().getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION));
        kafka.produce(SOURCE_TOPIC, List.of(reading("s1", 1, Duration.ofMinutes(3), -45.0)));
        windowOfReadings(1, Map.of("s1", List.of(86.0, 95.0), "s3", List.of(32.0)));
        awaitSinkHoldsTheExpectedWindows();

        patchSpec("{\"suspend\": true}");
        await().atMost(GONE_TIMEOUT).untilAsserted(() -> {
            assertEquals("Suspended", status().phase);
            assertEquals(0, runtimePods().size(), "a suspended job has no pods");
            assertEquals(0, statefulSet().getSpec().getReplicas());
        });
        patchSpec("{\"suspend\": false}");
        awaitRunning();
        windowOfReadings(2, Map.of("s2", List.of(41.0, 42.8)));
        awaitSinkHoldsTheExpectedWindows();
        assertEquals(List.of(), kafka.readAll(DEAD_LETTER_TOPIC, QUIET), "no reading went to the dead letters");

        client().resource(streamJob().get()).delete();
        await().atMost(GONE_TIMEOUT).untilAsserted(() -> {
            assertNull(streamJob().get());
            assertNull(statefulSet());
            assertNull(client().configMaps().inNamespace(NAMESPACE).withName(JOB + "-job").get());
            assertNull(client().services().inNamespace(NAMESPACE).withName(JOB).get());
            assertEquals(0, runtimePods().size());
            assertRuntimeProcessesGone();
        });
    }

    @Test
    @Order(3)
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
                """.formatted(NAMESPACE, podBootstrapServers(), SOURCE_TOPIC, SINK_TOPIC, DEAD_LETTER_TOPIC),
                GenericKubernetesResource.class);

        var refused = assertThrows(KubernetesClientException.class, () -> client().resource(twoSources).create());

        assertEquals(422, refused.getCode(), refused::getMessage);
        assertTrue(refused.getMessage().contains(CEL_TWO_SOURCES_MESSAGE), refused::getMessage);
        assertNull(client().resources(StreamJob.class).inNamespace(NAMESPACE).withName("two-sources").get());
    }

    /** Waits for the job to be Running and Ready on the current template; returns its pod's uid. */
    private String awaitRunning() {
        await().atMost(POD_TIMEOUT).untilAsserted(() -> {
            StreamJobStatus status = status();
            assertEquals("Running", status.phase, () -> "job status " + Serialization.asYaml(status));
            assertTrue(status.conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
                    () -> "job status " + Serialization.asYaml(status));
            Pod pod = runtimePod();
            assertEquals(configHash(), pod.getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION),
                    "the pod runs the current job file");
        });
        return runtimePod().getMetadata().getUid();
    }

    /**
     * Produces readings (°F) of the sensors in the tumbling window {@code index} and one reading past its end plus the
     * allowed lateness, which closes it; adds the windows the job must emit to the expected ones.
     */
    private void windowOfReadings(int index, Map<String, List<Double>> fahrenheitBySensor) throws Exception {
        List<String> readings = new ArrayList<>();
        fahrenheitBySensor.forEach((sensor, temperatures) -> {
            for (int i = 0; i < temperatures.size(); i++) {
                readings.add(reading(sensor, index, Duration.ofSeconds(10L * (i + 1)), temperatures.get(i)));
            }
            expectedWindows.add(window(sensor, index, temperatures));
        });
        // past window end + allowedLateness (30 s): the watermark closes the window; the reading itself is checked
        // with the next window, or never, being below the filter
        readings.add(reading("closer", index + 1, Duration.ofSeconds(31), -100.0));
        kafka.produce(SOURCE_TOPIC, readings);
    }

    private void awaitSinkHoldsTheExpectedWindows() {
        await().atMost(POD_TIMEOUT).untilAsserted(() -> WindowAssertions.assertSameWindows(expectedWindows,
                kafka.readAll(SINK_TOPIC, QUIET), "sensor_id"));
    }

    private static String reading(String sensor, int window, Duration intoWindow, double fahrenheit) {
        Instant time = BASE.plus(WINDOW.multipliedBy(window)).plus(intoWindow);
        return "{\"sensor_id\":\"%s\",\"event_time\":\"%s\",\"temperature\":%s}".formatted(sensor, time, fahrenheit);
    }

    private static Map<String, Object> window(String sensor, int index, List<Double> fahrenheit) {
        List<Double> celsius = fahrenheit.stream().map(f -> (f - 32.0) * 5.0 / 9.0).toList();
        Instant start = BASE.plus(WINDOW.multipliedBy(index));
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("sensor_id", sensor);
        window.put("window_start", start.toString());
        window.put("window_end", start.plus(WINDOW).toString());
        window.put("avg_c", celsius.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        window.put("min_c", celsius.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        window.put("max_c", celsius.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        window.put("readings", (long) celsius.size());
        return window;
    }

    /** A merge patch of the spec, as {@code kubectl patch --type merge} does: no conflict with the operator's writes. */
    private void patchSpec(String specPatch) {
        streamJob().patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": " + specPatch + "}");
    }

    private Resource<StreamJob> streamJob() {
        return client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(JOB);
    }

    private StreamJobStatus status() {
        StreamJob job = streamJob().get();
        return job == null || job.getStatus() == null ? new StreamJobStatus() : job.getStatus();
    }

    private StatefulSet statefulSet() {
        return client().apps().statefulSets().inNamespace(NAMESPACE).withName(JOB).get();
    }

    private String configHash() {
        return statefulSet().getSpec().getTemplate().getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION);
    }

    private List<Pod> runtimePods() {
        return client().pods().inNamespace(NAMESPACE).withLabels(Labels.selector(JOB)).list().getItems();
    }

    private Pod runtimePod() {
        List<Pod> pods = runtimePods();
        assertEquals(1, pods.size(), () -> "runtime pods: " + pods.stream().map(p -> p.getMetadata().getName()).toList());
        return pods.get(0);
    }
}

package dev.weir.e2e;

import static dev.weir.e2e.SensorReadings.EXAMPLE;
import static dev.weir.e2e.SensorReadings.reading;
import static dev.weir.e2e.SensorReadings.window;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.dependents.Workload;
import dev.weir.runtime.contract.WindowAssertions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/sensor-aggregates.yaml} as a user runs it: its windows reach the sink topic, an edit rolls its pod,
 * suspend stops it and resume starts it again without losing a window, and delete takes its objects and pods away.
 */
class JobLifecycleE2E extends PlatformScenario {
    static final String JOB = "sensor-aggregates";
    static final String SOURCE_TOPIC = "sensor-readings";
    static final String SINK_TOPIC = "sensor-aggregates";
    static final String DEAD_LETTER_TOPIC = "sensor-readings-dlq";

    private final List<Map<String, Object>> expectedWindows = new ArrayList<>();

    @BeforeAll
    void createTopics() throws Exception {
        for (String topic : List.of(SOURCE_TOPIC, SINK_TOPIC, DEAD_LETTER_TOPIC)) {
            kafka().create(topic, 1);
        }
    }

    @Test
    void aJobRunsRollsOnAnEditSuspendsResumesAndGoesWhenDeleted() throws Exception {
        StreamJob job = client().resources(StreamJob.class).load(EXAMPLE.toFile()).item();
        job.getMetadata().setNamespace(NAMESPACE);
        job.getSpec().source.kafka.bootstrapServers = platform.podBootstrapServers();
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
        kafka().produce(SOURCE_TOPIC, List.of(reading("s1", 1, Duration.ofMinutes(3), -45.0)));
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
        assertEquals(List.of(), kafka().readAll(DEAD_LETTER_TOPIC, QUIET), "no reading went to the dead letters");

        client().resource(streamJob().get()).delete();
        await().atMost(GONE_TIMEOUT).untilAsserted(() -> {
            assertNull(streamJob().get());
            assertNull(statefulSet());
            assertNull(client().configMaps().inNamespace(NAMESPACE).withName(JOB + "-job").get());
            assertNull(client().services().inNamespace(NAMESPACE).withName(JOB).get());
            assertEquals(0, runtimePods().size());
            platform.assertRuntimeProcessesGone();
        });
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
        kafka().produce(SOURCE_TOPIC, readings);
    }

    private void awaitSinkHoldsTheExpectedWindows() {
        await().atMost(POD_TIMEOUT).untilAsserted(() -> WindowAssertions.assertSameWindows(expectedWindows,
                kafka().readAll(SINK_TOPIC, QUIET), "sensor_id"));
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
        return pods(JOB);
    }

    private Pod runtimePod() {
        List<Pod> pods = runtimePods();
        assertEquals(1, pods.size(), () -> "runtime pods: " + pods.stream().map(p -> p.getMetadata().getName()).toList());
        return pods.get(0);
    }
}

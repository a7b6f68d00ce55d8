package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.marcnuri.helm.Helm;
import dev.weir.api.CheckpointSpec;
import dev.weir.api.CheckpointsStatus;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.api.TracingSpec;
import dev.weir.operator.Labels;
import dev.weir.operator.StreamJobReconciler;
import dev.weir.operator.Workload;
import dev.weir.operator.autoscaler.Reason;
import dev.weir.runtime.pipeline.TraceParent;
import dev.weir.runtime.testing.OtelCollector;
import dev.weir.runtime.contract.WindowAssertions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
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

    /** The autoscaling scenario: a windowed count in exactly_once on a source of three partitions. */
    static final String SCALING_JOB = "burst-counts";
    static final String SCALING_SOURCE = "burst-events";
    static final String SCALING_SINK = "burst-counts";
    static final String SCALING_DEAD_LETTER = "burst-events-dlq";
    static final int SCALING_PARTITIONS = 3;
    /** Enough that drain plus scale-down window outlast the added pods' start (about 16 s on two loaded cores). */
    static final int BURST = 60_000;
    static final int LATER = 3_000;
    static final Duration SCALING_WINDOW = Duration.ofSeconds(10);
    static final Duration EVENT_SPACING = Duration.ofMillis(10);
    /**
     * Test settings, not advice: a 15 s window and a 20 s idle timeout so the whole cycle fits in about two minutes,
     * polling every second so each step shows at once; maxLagSeconds 5 so the burst calls for more pods than there are
     * partitions.
     */
    static final String SCALING = "{minReplicas: 0, maxReplicas: 5, maxLagSeconds: 5, scaleDownWindow: 15s,"
            + " idleTimeout: 20s, pollInterval: 1s}";
    static final String IDLE_PHASE = "Idle";
    static final Duration SCALE_DOWN_TIMEOUT = Duration.ofSeconds(90);

    /** The checkpoint scenario: a windowed count in exactly_once with S3 checkpoints, on a source of two partitions. */
    static final String CHECKPOINT_JOB = "checkpointed-counts";
    static final String CHECKPOINT_SOURCE = "checkpointed-events";
    static final String CHECKPOINT_SINK = "checkpointed-counts";
    static final String CHECKPOINT_DEAD_LETTER = "checkpointed-events-dlq";
    static final int CHECKPOINT_PARTITIONS = 2;
    static final int CHECKPOINT_EVENTS = 4_000;
    /** The bucket the S3 server has; e2e/kind/s3.yaml creates it for kind. */
    static final String CHECKPOINT_BUCKET = "weir-checkpoints";
    static final String CHECKPOINT_SECRET = "checkpoint-store-keys";
    /** Short, so the scenario sees checkpoints and listings within seconds. */
    static final String CHECKPOINT_INTERVAL = "5s";

    /** The tracing scenario: the sensor example traced at ratio 1 to a collector the test reads. */
    static final String TRACED_JOB = "traced-aggregates";
    static final String TRACED_SOURCE = "traced-readings";
    static final String TRACED_SINK = "traced-aggregates";
    static final String TRACED_DEAD_LETTER = "traced-readings-dlq";

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

    /** The S3 API endpoint as the job's pods and the operator reach it; it has the bucket {@link #CHECKPOINT_BUCKET}. */
    abstract String podS3Endpoint();

    /** An access key id and secret key the S3 server accepts. */
    abstract List<String> s3Keys();

    /** Chart values the cluster needs on top of the defaults (image names, say). */
    Map<String, Object> chartValues() {
        return Map.of();
    }

    /** A collector the job's pods reach at its {@code endpoint()}, whose spans the test reads; empty: none (kind). */
    Optional<OtelCollector> collector() {
        return Optional.empty();
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

    @Test
    @Order(4)
    void aBurstScalesUpToThePartitionsThenDownAfterTheWindowToZeroWhenIdleAndWakesExactlyOnce() throws Exception {
        kafka.create(SCALING_SOURCE, SCALING_PARTITIONS);
        kafka.create(SCALING_SINK, 1);
        kafka.create(SCALING_DEAD_LETTER, 1);
        CountedEvents events = new CountedEvents(SCALING_PARTITIONS, EVENT_SPACING.toMillis(),
                SCALING_WINDOW.toMillis(), Instant.now());
        Resource<StreamJob> job = client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(SCALING_JOB);
        ScalingTimeline timeline = new ScalingTimeline(client(), NAMESPACE, SCALING_JOB);
        try {
            client().resource(scalingJob()).create();
            await("a new autoscaled job starts with one pod").atMost(POD_TIMEOUT)
                    .untilAsserted(() -> assertEquals(1, readyPods(SCALING_JOB)));

            kafka.produce(SCALING_SOURCE, SCALING_PARTITIONS, events.events(0, BURST));
            await("the burst scales the job up to its partitions, every pod Ready, and the lag drains")
                    .atMost(POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        assertTrue(timeline.samples().stream().anyMatch(s -> s.readyPods() == SCALING_PARTITIONS),
                                "never " + SCALING_PARTITIONS + " ready pods");
                        assertEquals(0L, job.get().getStatus().lag);
                    });
            await("after the window it scales down").atMost(SCALE_DOWN_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                    .until(() -> reasons(timeline).contains(Reason.ScaleDown.name()));
            await("then it stops when idle").atMost(SCALE_DOWN_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        assertEquals(IDLE_PHASE, job.get().getStatus().phase);
                        assertEquals(0, client().apps().statefulSets().inNamespace(NAMESPACE).withName(SCALING_JOB)
                                .get().getSpec().getReplicas());
                        assertEquals(List.of(), podNames(SCALING_JOB), "an idle job has no pods");
                    });

            kafka.produce(SCALING_SOURCE, SCALING_PARTITIONS, events.events(BURST, LATER));
            kafka.endOfInput(SCALING_SOURCE, SCALING_PARTITIONS);
            await("new events wake it, and every window reaches the sink").atMost(POD_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        KafkaTopics.Contents sink = kafka.read(SCALING_SINK, QUIET);
                        assertTrue(sink.endOfInputMarkers() >= SCALING_PARTITIONS, "end of input not yet through");
                        WindowAssertions.assertSameWindows(events.expectedWindows(), sink.records(),
                                CountedEvents.KEY);
                    });
        } finally {
            System.out.println(timeline.writeTo(Path.of("target", getClass().getSimpleName() + "-autoscaling.txt")));
        }

        assertEquals(SCALING_PARTITIONS, timeline.mostReplicas(), "up to the partition count and never past it");
        assertEquals(List.of(), kafka.read(SCALING_DEAD_LETTER, QUIET).records(), "no dead letters");
        assertTrue(timeline.samples().stream().anyMatch(s -> s.lag() != null && s.lag() > 0
                && s.inputRate() != null && s.inputRate() > 0), "status showed the burst's lag and input rate");
        assertTrue(timeline.samples().stream().anyMatch(s -> s.processingRate() != null && s.processingRate() > 0),
                "status showed a processing rate");
        List<ScalingTimeline.Scaling> decisions = timeline.decisions();
        ScalingTimeline.Scaling up = decisions.stream().filter(d -> d.replicas() == SCALING_PARTITIONS).findFirst()
                .orElseThrow(() -> new AssertionError("no scale-up to the partitions in " + decisions));
        assertTrue(Set.of(Reason.CappedByPartitions.name(), Reason.LagAboveTarget.name()).contains(up.reason()),
                () -> "scale-up reason in " + decisions);
        List<String> reasons = reasons(timeline);
        int down = reasons.indexOf(Reason.ScaleDown.name());
        int idle = reasons.indexOf(Reason.Idle.name());
        int wake = reasons.lastIndexOf(Reason.WakeUp.name());
        assertTrue(decisions.indexOf(up) < down && down < idle && idle < wake,
                () -> "up, ScaleDown, Idle, WakeUp in that order: " + decisions);
        List<String> scalingEvents = client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> SCALING_JOB.equals(e.getInvolvedObject().getName())
                        && StreamJobReconciler.SCALING_EVENT.equals(e.getReason()))
                .map(Event::getMessage).toList();
        assertTrue(scalingEvents.size() >= 4, () -> "Scaling events for up, down, idle and wake: " + scalingEvents);

        client().resource(job.get()).delete();
        await().atMost(GONE_TIMEOUT).untilAsserted(() -> assertEquals(List.of(), podNames(SCALING_JOB)));
    }

    @Test
    @Order(5)
    void checkpointsGoToS3SuspendSavesEachTaskResumeGoesOnExactlyOnceAndDeleteReportsTheSavepoints()
            throws Exception {
        kafka.create(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS);
        kafka.create(CHECKPOINT_SINK, 1);
        kafka.create(CHECKPOINT_DEAD_LETTER, 1);
        client().resource(new SecretBuilder().withNewMetadata().withName(CHECKPOINT_SECRET).withNamespace(NAMESPACE)
                .endMetadata().addToStringData(CheckpointSpec.CredentialsSecret.DEFAULT_ACCESS_KEY_ID_KEY, s3Keys().get(0))
                .addToStringData(CheckpointSpec.CredentialsSecret.DEFAULT_SECRET_ACCESS_KEY_KEY, s3Keys().get(1))
                .build()).create();
        CountedEvents events = new CountedEvents(4, 5, Duration.ofSeconds(10).toMillis(), Instant.now());
        Resource<StreamJob> job = client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(CHECKPOINT_JOB);
        client().resource(checkpointedJob()).create();

        kafka.produce(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS, events.events(0, CHECKPOINT_EVENTS / 2));
        await("a checkpoint in S3, listed in status").atMost(POD_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    CheckpointsStatus checkpoints = status.checkpoints;
                    assertTrue(checkpoints != null && checkpoints.latest != null,
                            () -> "status: " + Serialization.asYaml(status));
                    assertTrue(checkpoints.location.startsWith("s3://" + CHECKPOINT_BUCKET + "/"), checkpoints.location);
                    assertNull(checkpoints.error);
                });

        Instant suspended = Instant.now();
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": true}}");
        await("suspending stops the pods, which write a savepoint of each window task").atMost(POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    assertEquals("Suspended", status.phase);
                    assertEquals(List.of(), podNames(CHECKPOINT_JOB));
                    assertEquals(CHECKPOINT_PARTITIONS, savepointTasksSince(status, suspended).size(),
                            () -> "savepoints: " + Serialization.asYaml(status.checkpoints));
                });

        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": false}}");
        kafka.produce(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS,
                events.events(CHECKPOINT_EVENTS / 2, CHECKPOINT_EVENTS / 2));
        kafka.endOfInput(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS);
        await("after the resume every window reaches the sink exactly once").atMost(POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    KafkaTopics.Contents sink = kafka.read(CHECKPOINT_SINK, QUIET);
                    assertTrue(sink.endOfInputMarkers() >= CHECKPOINT_PARTITIONS, "end of input not yet through");
                    WindowAssertions.assertSameWindows(events.expectedWindows(), sink.records(), CountedEvents.KEY);
                });
        assertEquals(List.of(), kafka.read(CHECKPOINT_DEAD_LETTER, QUIET).records(), "no dead letters");

        Instant deleted = Instant.now();
        client().resource(job.get()).delete();
        await("the finalizer holds the job until the pods' savepoints are listed, then it is gone").atMost(GONE_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    assertNull(job.get());
                    assertEquals(List.of(), podNames(CHECKPOINT_JOB));
                });
        List<String> written = client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> CHECKPOINT_JOB.equals(e.getInvolvedObject().getName())
                        && "SavepointWritten".equals(e.getReason()))
                .map(Event::getMessage).toList();
        assertEquals(1, written.size(), () -> "one SavepointWritten event after the delete at " + deleted + ": "
                + written);
        assertTrue(written.get(0).contains("all " + CHECKPOINT_PARTITIONS + " tasks"), written.get(0));
    }

    private StreamJob checkpointedJob() {
        return Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s, startingOffsets: earliest}}
                  # event times are about now and the job is suspended for a while: wall-clock time must not close
                  # the windows
                  eventTime: {field: %s, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: %s, tumbling: 10s, aggregate: {n: count(), total: sum(%s)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                  checkpoints:
                    location: s3://%s/e2e
                    interval: %s
                    s3: {endpoint: "%s", pathStyle: true, region: us-east-1, credentialsSecret: {name: %s}}
                """.formatted(CHECKPOINT_JOB, NAMESPACE, podBootstrapServers(), CHECKPOINT_SOURCE, CountedEvents.TIME,
                CountedEvents.KEY, CountedEvents.VALUE, CHECKPOINT_SINK, CHECKPOINT_DEAD_LETTER, CHECKPOINT_BUCKET,
                CHECKPOINT_INTERVAL, podS3Endpoint(), CHECKPOINT_SECRET), StreamJob.class);
    }

    private static StreamJobStatus statusOf(Resource<StreamJob> job) {
        StreamJob current = job.get();
        return current == null || current.getStatus() == null ? new StreamJobStatus() : current.getStatus();
    }

    /** The tasks with a savepoint listed in status written at or after {@code since}. */
    private static Set<String> savepointTasksSince(StreamJobStatus status, Instant since) {
        if (status.checkpoints == null || status.checkpoints.savepoints == null) {
            return Set.of();
        }
        return status.checkpoints.savepoints.stream().filter(s -> !Instant.parse(s.time).isBefore(since))
                .map(s -> s.taskId).collect(Collectors.toSet());
    }

    private StreamJob scalingJob() {
        return Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s, startingOffsets: earliest}}
                  # event times are about now and the partitions go quiet between bursts: wall-clock time
                  # must not close the windows
                  eventTime: {field: %s, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: %s, tumbling: %ds, aggregate: {n: count(), total: sum(%s)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                  scaling: %s
                """.formatted(SCALING_JOB, NAMESPACE, podBootstrapServers(), SCALING_SOURCE, CountedEvents.TIME,
                CountedEvents.KEY, SCALING_WINDOW.toSeconds(), CountedEvents.VALUE, SCALING_SINK, SCALING_DEAD_LETTER,
                SCALING), StreamJob.class);
    }

    private static List<String> reasons(ScalingTimeline timeline) {
        return timeline.decisions().stream().map(ScalingTimeline.Scaling::reason).toList();
    }

    private long readyPods(String job) {
        return pods(job).stream().filter(ScalingTimeline::isReady).count();
    }

    private List<String> podNames(String job) {
        return pods(job).stream().map(p -> p.getMetadata().getName()).toList();
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
    @Test
    @Order(6)
    void aTracedWindowLinksItsReadingsTheDeadLetterHasItsSpanAndTheSinkRecordContinuesTheWindow() throws Exception {
        assumeTrue(collector().isPresent(), "no collector the test can read on this cluster");
        OtelCollector collector = collector().orElseThrow();
        for (String topic : List.of(TRACED_SOURCE, TRACED_SINK, TRACED_DEAD_LETTER)) {
            kafka.create(topic, 1);
        }
        StreamJob job = client().resources(StreamJob.class).load(EXAMPLE.toFile()).item();
        job.getMetadata().setName(TRACED_JOB);
        job.getMetadata().setNamespace(NAMESPACE);
        job.getSpec().source.kafka.bootstrapServers = podBootstrapServers();
        job.getSpec().source.kafka.topic = TRACED_SOURCE;
        job.getSpec().sink.kafka.topic = TRACED_SINK;
        job.getSpec().deadLetter.kafka.topic = TRACED_DEAD_LETTER;
        job.getSpec().tracing = new TracingSpec();
        job.getSpec().tracing.endpoint = collector.endpoint();
        job.getSpec().tracing.sampleRatio = 1.0;
        StreamJob created = client().resource(job).create();
        // offsets 0 and 1 make the first window of s1, 2 is a dead letter, 3 closes the window
        kafka.produce(TRACED_SOURCE, List.of(reading("s1", 0, Duration.ofMinutes(1), 68.0),
                reading("s1", 0, Duration.ofMinutes(2), 71.6), "not json", reading("s1", 2, Duration.ZERO, 50.0)));

        String traceparent = await().atMost(POD_TIMEOUT).until(() -> {
            KafkaTopics.Contents sink = kafka.read(TRACED_SINK, QUIET);
            return sink.traceparents().isEmpty() ? null : sink.traceparents().get(0);
        }, Objects::nonNull);
        TraceParent windowContext = TraceParent.parse(traceparent);
        List<OtelCollector.Span> spans = collector.awaitSpans("the window's span, its readings' and the dead letter's",
                POD_TIMEOUT, s -> s.stream().anyMatch(span -> span.spanId().equals(windowContext.spanId()))
                        && s.stream().filter(span -> span.name().startsWith("dead_letter ")).count() == 1);
        Map<Long, OtelCollector.Span> processByOffset = new LinkedHashMap<>();
        spans.stream().filter(span -> span.name().equals("process " + TRACED_SOURCE))
                .forEach(span -> processByOffset.put((Long) span.attribute("messaging.kafka.offset"), span));
        OtelCollector.Span window = spans.stream().filter(span -> span.spanId().equals(windowContext.spanId()))
                .findFirst().orElseThrow();
        assertEquals("window " + TRACED_SINK, window.name());
        assertEquals(windowContext.traceId(), window.traceId(), "the sink record continues the window's trace");
        assertEquals(Set.of(processByOffset.get(0L).spanId(), processByOffset.get(1L).spanId()),
                window.links().stream().map(OtelCollector.Link::spanId).collect(Collectors.toSet()),
                () -> "the window links its two readings: " + spans);
        OtelCollector.Span deadLetter = spans.stream().filter(span -> span.name().startsWith("dead_letter "))
                .findFirst().orElseThrow();
        assertEquals("malformed", deadLetter.attribute("error.type"));
        assertEquals(processByOffset.get(2L).spanId(), deadLetter.parentSpanId());
        Map<String, Object> resource = window.resource();
        assertEquals(List.of(TRACED_JOB, NAMESPACE, TRACED_JOB + "-0", created.getMetadata().getGeneration()),
                List.of(resource.get("service.name"), resource.get("k8s.namespace.name"), resource.get("k8s.pod.name"),
                        resource.get("weir.job.generation")), "the pod's resource, its generation from the operator");

        client().resource(client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(TRACED_JOB).get())
                .delete();
        await().atMost(GONE_TIMEOUT).until(() -> client().pods().inNamespace(NAMESPACE)
                .withLabel(Labels.INSTANCE, TRACED_JOB).list().getItems().isEmpty());
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
        return pods(JOB);
    }

    private List<Pod> pods(String job) {
        return client().pods().inNamespace(NAMESPACE).withLabels(Labels.selector(job)).list().getItems();
    }

    private Pod runtimePod() {
        List<Pod> pods = runtimePods();
        assertEquals(1, pods.size(), () -> "runtime pods: " + pods.stream().map(p -> p.getMetadata().getName()).toList());
        return pods.get(0);
    }
}

package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.operator.StreamJobReconciler;
import dev.weir.operator.checkpoints.SavepointFinalizer;
import dev.weir.runtime.contract.WindowAssertions;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * A Kinesis job on the platform's kinesis-local and moto (the chart installed with the DynamoDB endpoint for the lease
 * tables), its AWS keys from a Secret, S3 checkpoints. The job runs on two pods (the shuffle engine: its source shards
 * and window tasks shared between them), writes its windows to the sink stream, is suspended with a savepoint of each
 * window task, resumes, and under lag autoscaling drains and goes to zero when idle, wakes on a burst and scales up
 * to its two source shards, down again and to zero, and wakes once more, with every reading counted exactly once;
 * moving it to one pod is then refused naming the field, as its checkpoints are the several-pod kind; delete leaves
 * nothing behind. The timeline of lag seconds and pods goes to {@code target/KinesisJobE2E-autoscaling.txt}. Only
 * where the platform has a Kinesis-compatible server the test reaches (the local harness; not kind yet).
 */
class KinesisJobE2E extends PlatformScenario {
    static final String JOB = "kinesis-counts";
    static final String SOURCE = "kinesis-events";
    static final String SINK = "kinesis-counts";
    static final String DEAD_LETTER = "kinesis-events-dlq";
    static final int SHARDS = 2;
    static final int EVENTS = 3_000;
    static final int PODS = 2;
    static final String AWS_SECRET = "kinesis-keys";
    static final String S3_SECRET = "kinesis-checkpoint-keys";
    static final String BUCKET = E2EPlatform.CHECKPOINT_BUCKET;
    /** Longer than the platform's: the Kinesis Client Library takes its leases after the JVM starts. */
    static final Duration KINESIS_POD_TIMEOUT = Duration.ofMinutes(3);
    /**
     * Test settings, not advice: up to the two source shards (as many pods as the job was created with, so its shuffle
     * stream keeps its shards), catch up within 5 s so that a burst calls for both, idle after 20 s, polled every
     * second.
     */
    static final String SCALING = "{\"minReplicas\": 0, \"maxReplicas\": " + PODS + ", \"maxLagSeconds\": 5,"
            + " \"idleTimeout\": \"20s\", \"scaleDownWindow\": \"15s\", \"pollInterval\": \"1s\"}";

    private LocalKinesisServers kinesis;

    @BeforeAll
    void kinesisServers() {
        assumeTrue(platform.kinesis().isPresent(), "no Kinesis-compatible server the test reaches on this platform");
        kinesis = platform.kinesis().orElseThrow();
    }

    @Test
    void aKinesisJobOnTwoPodsSuspendsResumesScalesUpDownToZeroAndBackExactlyOnceStaysOnSeveralPodsAndGoes()
            throws Exception {
        kinesis.createStream(SOURCE, SHARDS);
        kinesis.createStream(SINK, 1);
        kinesis.createStream(DEAD_LETTER, 1);
        // kinesis-local checks no keys; the pods get these as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY references
        secret(AWS_SECRET, "kinesis-e2e-key-id", "kinesis-e2e-secret-key");
        secret(S3_SECRET, platform.s3Keys().get(0), platform.s3Keys().get(1));
        // event times about now, in 10 s windows, 4 keys over 2 shards; the job is suspended for a while, so
        // wall-clock idleness must not close windows
        CountedEvents events = new CountedEvents(4, 5, Duration.ofSeconds(10).toMillis(), Instant.now());
        KinesisSink input = new KinesisSink(kinesis.clients().kinesis(), SOURCE, KinesisSinkSettings.defaults());
        Resource<StreamJob> job = client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(JOB);
        client().resource(job()).create();

        KinesisStreams.put(input, events.events(0, EVENTS / 3));
        await("two pods with the Secret's keys as references, and a checkpoint in S3 listed in status")
                .atMost(KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    List<Pod> pods = pods(JOB);
                    assertEquals(PODS, pods.size(), "two pods");
                    Map<String, EnvVar> env = pods.get(0).getSpec().getContainers().get(0).getEnv().stream()
                            .collect(Collectors.toMap(EnvVar::getName, e -> e));
                    assertEquals(AWS_SECRET, env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName());
                    assertNull(env.get("AWS_ACCESS_KEY_ID").getValue());
                    StreamJobStatus status = statusOf(job);
                    assertTrue(status.checkpoints != null && status.checkpoints.latest != null,
                            () -> "status: " + Serialization.asYaml(status));
                });

        Instant suspended = Instant.now();
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": true}}");
        // each source and window task a pod runs writes a savepoint as it stops; a task whose lease no pod had taken
        // yet (the library's first leases take a while) has no state to save, and its records wait in its stream
        await("suspending writes savepoints of the tasks the pods ran, then stops the pods").atMost(KINESIS_POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    assertEquals("Suspended", status.phase);
                    assertEquals(List.of(), pods(JOB));
                    assertTrue(status.checkpoints.savepoints != null && status.checkpoints.savepoints.stream()
                                    .anyMatch(s -> KinesisLayout.ofTask(s.taskId).orElse(null)
                                            == KinesisLayout.SEVERAL_PODS && !Instant.parse(s.time).isBefore(suspended)),
                            () -> "savepoints: " + Serialization.asYaml(status.checkpoints));
                });

        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": false}}");
        KinesisStreams.put(input, events.events(EVENTS / 3, EVENTS / 3));

        // lag autoscaling between two pods and none: the job drains and goes to zero once idle; a burst wakes it and
        // calls for both source shards' pods, it drains, scales down and goes to zero again; the closing readings
        // below wake it once more, and it can only close its windows with the state it kept while at zero
        Timeline timeline = Timeline.start(job, () -> pods(JOB));
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"scaling\": " + SCALING + "}}");
        awaitIdle(job, timeline);
        KinesisStreams.put(input, events.events(2 * EVENTS / 3, EVENTS - 2 * EVENTS / 3));
        try {
            await("the burst wakes the job and its lag calls for a pod per source shard")
                    .atMost(KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertEquals(PODS, statusOf(job).replicas));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(timeline.stop(), e);
        }
        awaitIdle(job, timeline);
        // a reading an hour later on every shard moves the watermark past every window of the test (its own stays open)
        long later = Instant.now().plus(Duration.ofHours(1)).toEpochMilli();
        for (Shard shard : kinesis.shards(SOURCE)) {
            LocalKinesisServers.call("closing the windows", () -> kinesis.clients().kinesis().putRecord(r -> r
                    .streamName(SOURCE).partitionKey("later").explicitHashKey(shard.hashKeyRange().startingHashKey())
                    .data(SdkBytes.fromUtf8String("{\"k\":\"k0\",\"t\":" + later + ",\"v\":0}"))));
        }
        await("new records wake the job: lag in seconds, then pods").atMost(KINESIS_POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertFalse(pods(JOB).isEmpty()));
        List<Map<String, Object>> expected = events.expectedWindows();
        await("after the resume and the wake every window reaches the sink stream, counted exactly once")
                .atMost(KINESIS_POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    List<Map<String, Object>> sink = read(SINK);
                    Map<String, Map<String, Object>> byWindow = new HashMap<>();
                    for (Map<String, Object> window : sink) {
                        Map<String, Object> before = byWindow.put(window.get("k") + "@" + window.get("window_start"),
                                window);
                        // at least once to the sink: a window written again is the same window
                        assertTrue(before == null || before.equals(window), () -> "different copies: " + before
                                + " and " + window);
                    }
                    WindowAssertions.assertSameWindows(expected, new ArrayList<>(byWindow.values()), CountedEvents.KEY);
                });
        assertEquals(List.of(), read(DEAD_LETTER), "no dead letters");
        String lines = timeline.stop();
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("KinesisJobE2E-autoscaling.txt"),
                lines);
        System.out.println(lines);
        // zero pods was asserted above ("drained, then idle"); the sampler's one-second rows may miss it, as the
        // terminating pod can still be listed when new records wake the job
        // the operator scales from 0 only on the probe's reading of the stream and the lease table at zero pods
        List<String> wakes = scalingEvents(job).stream().filter(m -> m.startsWith("Scaling up from 0 to")).toList();
        assertEquals(2, wakes.size(), "a Scaling event for each wake from zero pods:\n" + lines);
        // down from two pods: to one after the scale-down window, or straight to none after the idle timeout
        List<String> downs = scalingEvents(job).stream().filter(m -> m.startsWith("Scaling down from " + PODS)
                || m.contains("stopping all " + PODS + " pods")).toList();
        assertFalse(downs.isEmpty(), "a Scaling event for a scale-down from " + PODS + " pods:\n" + lines);

        // its checkpoints are the several-pod kind: one pod could not read them, so the operator refuses the move
        // before any pod fails on them, and keeps the pods it has
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"replicas\": 1, \"scaling\": null}}");
        await("one pod is refused, naming the field").atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    var ready = status.conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                            .orElseThrow();
                    assertEquals("False", ready.getStatus());
                    assertTrue(ready.getMessage().contains("spec.replicas: must stay above 1"), ready.getMessage());
                });

        StreamJob deleting = job.get();
        List<String> leaseTables = KinesisLayout.leaseTables(deleting);
        String shuffleStream = KinesisLayout.shuffleStream(deleting);
        assertTrue(tables().contains(KinesisLayout.sourceApplication(deleting)), "the source's lease table, before");
        assertTrue(streams().contains(shuffleStream), "the shuffle stream, before");
        client().resource(deleting).delete();
        await("the job and its pods are gone, and so are its lease tables and shuffle stream")
                .atMost(KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    assertNull(job.get());
                    assertEquals(List.of(), pods(JOB));
                    platform.assertRuntimeProcessesGone();
                    List<String> tables = tables();
                    assertEquals(List.of(), leaseTables.stream().filter(tables::contains).toList(), "lease tables");
                    assertFalse(streams().contains(shuffleStream), "the shuffle stream");
                });
        assertTrue(client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                        .anyMatch(e -> JOB.equals(e.getInvolvedObject().getName())
                                && SavepointFinalizer.KINESIS_RESOURCES_DELETED.equals(e.getReason())
                                && e.getMessage().contains(shuffleStream)),
                "an event naming what was deleted");
    }

    private void awaitIdle(Resource<StreamJob> job, Timeline timeline) {
        try {
            await("drained, then idle: no pods").atMost(KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        StreamJobStatus status = statusOf(job);
                        assertEquals("Idle", status.phase, () -> Serialization.asYaml(status));
                        assertEquals(List.of(), pods(JOB));
                        assertEquals(0.0, status.lagSeconds);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(timeline.stop(), e);
        }
    }

    private List<String> tables() {
        return LocalKinesisServers.call("listing tables", () -> kinesis.clients().dynamoDb().listTables())
                .tableNames();
    }

    private List<String> streams() {
        return LocalKinesisServers.call("listing streams", () -> kinesis.clients().kinesis().listStreams())
                .streamNames();
    }

    /** The messages of the job's Scaling events, oldest first as the API server lists them. */
    private List<String> scalingEvents(Resource<StreamJob> job) {
        return client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> JOB.equals(e.getInvolvedObject().getName())
                        && StreamJobReconciler.SCALING_EVENT.equals(e.getReason()))
                .map(Event::getMessage).toList();
    }

    /** Every second: the job's lag in seconds, its pods, phase and last scaling reason, as lines of a table. */
    private static final class Timeline {
        private final StringBuilder lines = new StringBuilder(
                "  t(s)  lag(s)  pods  phase      lastScaling\n");
        private final Thread sampler;

        private Timeline(Thread sampler) {
            this.sampler = sampler;
        }

        static Timeline start(Resource<StreamJob> job, java.util.function.Supplier<List<Pod>> pods) {
            long start = System.nanoTime();
            Timeline[] self = new Timeline[1];
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        StreamJobStatus status = statusOf(job);
                        int running = pods.get().size();
                        synchronized (self[0].lines) {
                            self[0].lines.append(String.format(java.util.Locale.ROOT, "%6.1f  %6s  %4d  %-9s  %s%n",
                                    (System.nanoTime() - start) / 1e9,
                                    status.lagSeconds == null ? "-" : status.lagSeconds, running,
                                    Objects.requireNonNullElse(status.phase, "-"),
                                    status.lastScaling == null ? "-" : status.lastScaling.reason));
                        }
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // the API server busy for a moment: the next sample
                    }
                }
            }, "kinesis-e2e-timeline");
            self[0] = new Timeline(sampler);
            sampler.setDaemon(true);
            sampler.start();
            return self[0];
        }

        String stop() {
            sampler.interrupt();
            synchronized (lines) {
                return lines.toString();
            }
        }
    }

    private StreamJob job() {
        return Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                  source:
                    kinesis: {stream: %s, region: us-east-1, endpoint: "%s", credentialsSecret: {name: %s}}
                  eventTime: {field: %s, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: %s, tumbling: 10s, aggregate: {n: count(), total: sum(%s)}}
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                  processingGuarantee: at_least_once
                  replicas: %d
                  checkpoints:
                    location: s3://%s/e2e
                    interval: 5s
                    s3: {endpoint: "%s", pathStyle: true, region: us-east-1, credentialsSecret: {name: %s}}
                """.formatted(JOB, NAMESPACE, SOURCE, kinesis.endpoints().kinesis().orElseThrow(), AWS_SECRET,
                CountedEvents.TIME, CountedEvents.KEY, CountedEvents.VALUE, SINK, DEAD_LETTER, PODS, BUCKET, platform.podS3Endpoint(),
                S3_SECRET), StreamJob.class);
    }

    private List<Map<String, Object>> read(String stream) throws Exception {
        return KinesisStreams.read(kinesis, stream);
    }
}

package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.operator.StreamJobReconciler;
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
 * tables), its AWS keys from a Secret, S3 checkpoints. The job runs on one pod, writes its windows to the sink stream,
 * is suspended with a savepoint of its window task, resumes, scales to zero when idle and wakes on new records with
 * every reading counted exactly once; asking for two pods is refused naming the field; delete leaves nothing behind.
 * The timeline of lag seconds and pods goes to {@code target/KinesisJobE2E-autoscaling.txt}. Only where the platform
 * has a Kinesis-compatible server the test reaches (the local harness; not kind yet).
 */
class KinesisJobE2E extends PlatformScenario {
    static final String JOB = "kinesis-counts";
    static final String SOURCE = "kinesis-events";
    static final String SINK = "kinesis-counts";
    static final String DEAD_LETTER = "kinesis-events-dlq";
    static final int SHARDS = 2;
    static final int EVENTS = 2_000;
    static final String AWS_SECRET = "kinesis-keys";
    static final String S3_SECRET = "kinesis-checkpoint-keys";
    static final String BUCKET = E2EPlatform.CHECKPOINT_BUCKET;
    /** The Kinesis engine's one window task (KinesisEngine.TASK_ID). */
    static final String WINDOW_TASK = "kinesis-windows";
    /** Longer than the platform's: the Kinesis Client Library takes its leases after the JVM starts. */
    static final Duration KINESIS_POD_TIMEOUT = Duration.ofMinutes(3);
    /** Test settings: one pod at most (the engine's limit until the shuffle), idle after 20 s, polled every second. */
    static final String SCALING = "{\"minReplicas\": 0, \"maxReplicas\": 1, \"idleTimeout\": \"20s\","
            + " \"scaleDownWindow\": \"15s\", \"pollInterval\": \"1s\"}";

    private LocalKinesisServers kinesis;

    @BeforeAll
    void kinesisServers() {
        assumeTrue(platform.kinesis().isPresent(), "no Kinesis-compatible server the test reaches on this platform");
        kinesis = platform.kinesis().orElseThrow();
    }

    @Test
    void aKinesisJobRunsOnOnePodSuspendsWithASavepointResumesExactlyOnceRefusesTwoPodsAndGoesWhenDeleted()
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

        KinesisStreams.put(input, events.events(0, EVENTS / 2));
        await("one pod with the Secret's keys as references, and a checkpoint in S3 listed in status")
                .atMost(KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    List<Pod> pods = pods(JOB);
                    assertEquals(1, pods.size(), "one pod");
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
        await("suspending writes a savepoint of the window task, then stops the pod").atMost(KINESIS_POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    assertEquals("Suspended", status.phase);
                    assertEquals(List.of(), pods(JOB));
                    assertTrue(status.checkpoints.savepoints != null && status.checkpoints.savepoints.stream()
                                    .anyMatch(s -> WINDOW_TASK.equals(s.taskId) && !Instant.parse(s.time).isBefore(suspended)),
                            () -> "savepoints: " + Serialization.asYaml(status.checkpoints));
                });

        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": false}}");
        KinesisStreams.put(input, events.events(EVENTS / 2, EVENTS / 2));

        // lag autoscaling between one pod and none: the job drains, goes to zero once idle, and wakes on new records
        // (the closing readings below), whose windows it can only close with the state it kept while at zero
        Timeline timeline = Timeline.start(job, () -> pods(JOB));
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"scaling\": " + SCALING + "}}");
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
        // a reading an hour later on every shard moves the watermark past every window of the test (its own stays open)
        long later = Instant.now().plus(Duration.ofHours(1)).toEpochMilli();
        for (Shard shard : kinesis.shards(SOURCE)) {
            LocalKinesisServers.call("closing the windows", () -> kinesis.clients().kinesis().putRecord(r -> r
                    .streamName(SOURCE).partitionKey("later").explicitHashKey(shard.hashKeyRange().startingHashKey())
                    .data(SdkBytes.fromUtf8String("{\"k\":\"k0\",\"t\":" + later + ",\"v\":0}"))));
        }
        await("new records wake the job: lag in seconds, then one pod").atMost(KINESIS_POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertEquals(1, pods(JOB).size()));
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
        List<String> wakes = client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> JOB.equals(e.getInvolvedObject().getName())
                        && StreamJobReconciler.SCALING_EVENT.equals(e.getReason()))
                .map(Event::getMessage).filter(m -> m.startsWith("Scaling up from 0 to 1 pods")).toList();
        assertFalse(wakes.isEmpty(), "a Scaling event for the wake from zero pods:\n" + lines);

        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"replicas\": 2, \"scaling\": null,"
                + " \"checkpoints\": null}}");
        await("two pods are refused, naming the field").atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    var ready = status.conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                            .orElseThrow();
                    assertEquals("False", ready.getStatus());
                    assertTrue(ready.getMessage().contains("spec.checkpoints.location"), ready.getMessage());
                });

        client().resource(job.get()).delete();
        await("the job and its pod are gone").atMost(KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    assertNull(job.get());
                    assertEquals(List.of(), pods(JOB));
                    platform.assertRuntimeProcessesGone();
                });
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
                  checkpoints:
                    location: s3://%s/e2e
                    interval: 5s
                    s3: {endpoint: "%s", pathStyle: true, region: us-east-1, credentialsSecret: {name: %s}}
                """.formatted(JOB, NAMESPACE, SOURCE, kinesis.endpoints().kinesis().orElseThrow(), AWS_SECRET,
                CountedEvents.TIME, CountedEvents.KEY, CountedEvents.VALUE, SINK, DEAD_LETTER, BUCKET, platform.podS3Endpoint(),
                S3_SECRET), StreamJob.class);
    }

    private List<Map<String, Object>> read(String stream) throws Exception {
        return KinesisStreams.read(kinesis, stream);
    }
}

package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.CheckpointsStatus;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.runtime.contract.WindowAssertions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * S3 checkpoints of a Kafka job, as its status and events show them: a windowed count in exactly_once checkpoints to
 * the platform's S3 server, suspend writes a savepoint of each window task, resume goes on with every window exactly
 * once, and delete waits for the pods' savepoints before the job goes.
 */
class CheckpointsE2E extends PlatformScenario {
    static final String CHECKPOINT_JOB = "checkpointed-counts";
    static final String CHECKPOINT_SOURCE = "checkpointed-events";
    static final String CHECKPOINT_SINK = "checkpointed-counts";
    static final String CHECKPOINT_DEAD_LETTER = "checkpointed-events-dlq";
    static final int CHECKPOINT_PARTITIONS = 2;
    static final int CHECKPOINT_EVENTS = 4_000;
    static final String CHECKPOINT_BUCKET = E2EPlatform.CHECKPOINT_BUCKET;
    static final String CHECKPOINT_SECRET = "checkpoint-store-keys";
    /** Short, so the scenario sees checkpoints and listings within seconds. */
    static final String CHECKPOINT_INTERVAL = "5s";

    @Test
    void checkpointsGoToS3SuspendSavesEachTaskResumeGoesOnExactlyOnceAndDeleteReportsTheSavepoints()
            throws Exception {
        kafka().create(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS);
        kafka().create(CHECKPOINT_SINK, 1);
        kafka().create(CHECKPOINT_DEAD_LETTER, 1);
        secret(CHECKPOINT_SECRET, platform.s3Keys().get(0), platform.s3Keys().get(1));
        CountedEvents events = new CountedEvents(4, 5, Duration.ofSeconds(10).toMillis(), Instant.now());
        Resource<StreamJob> job = client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(CHECKPOINT_JOB);
        client().resource(checkpointedJob()).create();

        kafka().produce(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS, events.events(0, CHECKPOINT_EVENTS / 2));
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
        kafka().produce(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS,
                events.events(CHECKPOINT_EVENTS / 2, CHECKPOINT_EVENTS / 2));
        kafka().endOfInput(CHECKPOINT_SOURCE, CHECKPOINT_PARTITIONS);
        await("after the resume every window reaches the sink exactly once").atMost(POD_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    KafkaTopics.Contents sink = kafka().read(CHECKPOINT_SINK, QUIET);
                    assertTrue(sink.endOfInputMarkers() >= CHECKPOINT_PARTITIONS, "end of input not yet through");
                    WindowAssertions.assertSameWindows(events.expectedWindows(), sink.records(), CountedEvents.KEY);
                });
        assertEquals(List.of(), kafka().read(CHECKPOINT_DEAD_LETTER, QUIET).records(), "no dead letters");

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
                """.formatted(CHECKPOINT_JOB, NAMESPACE, platform.podBootstrapServers(), CHECKPOINT_SOURCE, CountedEvents.TIME,
                CountedEvents.KEY, CountedEvents.VALUE, CHECKPOINT_SINK, CHECKPOINT_DEAD_LETTER, CHECKPOINT_BUCKET,
                CHECKPOINT_INTERVAL, platform.podS3Endpoint(), CHECKPOINT_SECRET), StreamJob.class);
    }

    /** The tasks with a savepoint listed in status written at or after {@code since}. */
    private static Set<String> savepointTasksSince(StreamJobStatus status, Instant since) {
        if (status.checkpoints == null || status.checkpoints.savepoints == null) {
            return Set.of();
        }
        return status.checkpoints.savepoints.stream().filter(s -> !Instant.parse(s.time).isBefore(since))
                .map(s -> s.taskId).collect(Collectors.toSet());
    }
}

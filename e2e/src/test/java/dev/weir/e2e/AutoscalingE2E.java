package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.operator.StreamJobReconciler;
import dev.weir.operator.autoscaler.Reason;
import dev.weir.runtime.contract.WindowAssertions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Lag autoscaling of a Kafka job, as its status, events and pods show it: a burst scales a windowed count in
 * exactly_once up to its three partitions and never past them, it scales down after the window, stops when idle, and
 * new records wake it, with every window in the sink exactly once. The timeline of lag, pods and decisions goes to
 * {@code target/AutoscalingE2E-autoscaling.txt}.
 */
class AutoscalingE2E extends PlatformScenario {
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

    @Test
    void aBurstScalesUpToThePartitionsThenDownAfterTheWindowToZeroWhenIdleAndWakesExactlyOnce() throws Exception {
        kafka().create(SCALING_SOURCE, SCALING_PARTITIONS);
        kafka().create(SCALING_SINK, 1);
        kafka().create(SCALING_DEAD_LETTER, 1);
        CountedEvents events = new CountedEvents(SCALING_PARTITIONS, EVENT_SPACING.toMillis(),
                SCALING_WINDOW.toMillis(), Instant.now());
        Resource<StreamJob> job = client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(SCALING_JOB);
        ScalingTimeline timeline = new ScalingTimeline(client(), NAMESPACE, SCALING_JOB);
        try {
            client().resource(scalingJob()).create();
            await("a new autoscaled job starts with one pod").atMost(POD_TIMEOUT)
                    .untilAsserted(() -> assertEquals(1, readyPods(SCALING_JOB)));

            kafka().produce(SCALING_SOURCE, SCALING_PARTITIONS, events.events(0, BURST));
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

            kafka().produce(SCALING_SOURCE, SCALING_PARTITIONS, events.events(BURST, LATER));
            kafka().endOfInput(SCALING_SOURCE, SCALING_PARTITIONS);
            await("new events wake it, and every window reaches the sink").atMost(POD_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        KafkaTopics.Contents sink = kafka().read(SCALING_SINK, QUIET);
                        assertTrue(sink.endOfInputMarkers() >= SCALING_PARTITIONS, "end of input not yet through");
                        WindowAssertions.assertSameWindows(events.expectedWindows(), sink.records(),
                                CountedEvents.KEY);
                    });
        } finally {
            System.out.println(timeline.writeTo(Path.of("target", getClass().getSimpleName() + "-autoscaling.txt")));
        }

        assertEquals(SCALING_PARTITIONS, timeline.mostReplicas(), "up to the partition count and never past it");
        assertEquals(List.of(), kafka().read(SCALING_DEAD_LETTER, QUIET).records(), "no dead letters");
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
                """.formatted(SCALING_JOB, NAMESPACE, platform.podBootstrapServers(), SCALING_SOURCE, CountedEvents.TIME,
                CountedEvents.KEY, SCALING_WINDOW.toSeconds(), CountedEvents.VALUE, SCALING_SINK, SCALING_DEAD_LETTER,
                SCALING), StreamJob.class);
    }

    private static List<String> reasons(ScalingTimeline timeline) {
        return timeline.decisions().stream().map(ScalingTimeline.Scaling::reason).toList();
    }
}

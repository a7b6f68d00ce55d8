package dev.weir.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.operator.autoscaler.Load;
import dev.weir.operator.checkpoints.CheckpointStatuses;
import dev.weir.operator.checkpoints.StoreListing;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.observe.Autoscaling;
import dev.weir.operator.observe.Observation;
import dev.weir.operator.observe.WorkloadObservation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The parts of a deployed job's status that depend on each other, built from one observation. */
class JobStatusBuilderTest {
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final String LOCATION = "s3://bucket/jobs/weir-team-a-readings/";

    /** A job ready for ten minutes, checkpointing every 10 s. */
    private static StreamJob job() {
        StreamJob job = new KubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: readings, namespace: team-a, generation: 2}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                  checkpoints: {location: "s3://bucket/jobs", interval: 10s}
                """, StreamJob.class);
        StreamJobStatus previous = new StreamJobStatus();
        previous.conditions = List.of(Conditions.of(Conditions.READY, true, "AllReplicasReady", "1/1", 2L));
        previous.conditions.get(0).setLastTransitionTime(NOW.minus(Duration.ofMinutes(10)).toString());
        job.setStatus(previous);
        return job;
    }

    private static WorkloadObservation workload(List<String> crashLoops) {
        StatefulSet statefulSet = new StatefulSetBuilder()
                .withNewMetadata().withName("readings").withGeneration(1L).endMetadata()
                .withNewSpec().withReplicas(1).endSpec()
                .withNewStatus().withObservedGeneration(1L).withReplicas(1).withReadyReplicas(1)
                .withUpdatedReplicas(1).withCurrentRevision("r1").withUpdateRevision("r1").endStatus()
                .build();
        return new WorkloadObservation(Optional.of(statefulSet), crashLoops);
    }

    /** The newest checkpoint 31 s old: more than three intervals. */
    private static Optional<StoreListing> staleListing() {
        return Optional.of(StoreListing.listed(LOCATION, NOW, List.of(new CheckpointInfo("c1", "0_0",
                NOW.minusSeconds(31), false, URI.create(LOCATION + "tasks/0_0/c1/"), 100, 100, Map.of(), Map.of()))));
    }

    private static Optional<Autoscaling.Poll> polled(double processingRate) {
        return Optional.of(new Autoscaling.Poll(new Load(NOW, 0, processingRate, processingRate, processingRate, 4),
                Optional.empty(), true, Duration.ofSeconds(10)));
    }

    /** The status of a reconcile that found {@code workload}, the stale listing, and a poll at this rate. */
    private static StreamJobStatus build(StreamJob job, WorkloadObservation workload, double processingRate) {
        Observation observed = new Observation(workload, 1, polled(processingRate), staleListing(), NOW);
        return new JobStatusBuilder(job, Workload.plan(job, OperatorConfig.withoutLeaderElection("img", Set.of())),
                observed, null).build();
    }

    private static Condition degraded(StreamJobStatus status) {
        return Conditions.find(status.conditions, Conditions.DEGRADED).orElseThrow();
    }

    @Test
    void staleCheckpointsDegradeAJobThatProcessesRecords() {
        StreamJobStatus status = build(job(), workload(List.of()), 50);
        assertEquals("True", degraded(status).getStatus());
        assertEquals(CheckpointStatuses.CHECKPOINTS_FAILING, degraded(status).getReason());
        assertEquals(LOCATION, status.checkpoints.location);
        assertEquals(50.0, status.processingRate);
    }

    @Test
    void aJobThatProcessesNothingHasNothingToCheckpoint() {
        StreamJobStatus status = build(job(), workload(List.of()), 0);
        assertEquals("False", degraded(status).getStatus(), "the processing rate of the same reconcile counts");
    }

    @Test
    void aCrashLoopOutranksFailingCheckpoints() {
        StreamJobStatus status = build(job(), workload(List.of("pod readings-0: container runtime restarted 5 times")),
                50);
        assertEquals("True", degraded(status).getStatus());
        assertEquals(WorkloadObservation.CRASH_LOOP, degraded(status).getReason());
    }
}

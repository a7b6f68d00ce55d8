package dev.weir.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.api.validation.ValidationError;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.observe.WorkloadObservation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobStatusesTest {
    private static final String LONG_AGO = "2020-01-01T00:00:00Z";

    private static StreamJob job(boolean suspend) {
        return new KubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: readings, namespace: team-a, generation: 3}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                  suspend: %s
                """.formatted(suspend), StreamJob.class);
    }

    private static Optional<StatefulSet> statefulSet(int replicas, int ready) {
        return Optional.of(new StatefulSetBuilder()
                .withNewMetadata().withName("readings").withGeneration(2L).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec()
                .withNewStatus().withObservedGeneration(2L).withReplicas(replicas).withReadyReplicas(ready)
                .withUpdatedReplicas(replicas).withCurrentRevision("r1").withUpdateRevision("r1").endStatus()
                .build());
    }

    private static StreamJobStatus deployed(StreamJob job, Optional<StatefulSet> statefulSet) {
        return deployed(job, statefulSet, List.of());
    }

    private static StreamJobStatus deployed(StreamJob job, Optional<StatefulSet> statefulSet,
                                            List<String> crashLoops) {
        return JobStatuses.deployed(job, Workload.plan(job, OperatorConfig.withoutLeaderElection("img", Set.of())),
                new WorkloadObservation(statefulSet, crashLoops));
    }

    private static Condition condition(StreamJobStatus status, String type) {
        return Conditions.find(status.conditions, type).orElseThrow();
    }

    @Test
    void theSameObservationTwiceIsNoChangeSoNoStatusWrite() {
        StreamJob job = job(false);
        job.setStatus(deployed(job, statefulSet(1, 0)));
        job.getStatus().conditions.forEach(c -> c.setLastTransitionTime(LONG_AGO));

        assertFalse(StatusUpdate.changes(job.getStatus(), deployed(job, statefulSet(1, 0))));
    }

    @Test
    void aConditionKeepsItsTransitionTimeWhileItsStatusHoldsEvenWhenTheReasonChanges() {
        StreamJob job = job(false);
        job.setStatus(deployed(job, Optional.empty()));
        job.getStatus().conditions.forEach(c -> c.setLastTransitionTime(LONG_AGO));

        StreamJob suspended = job(true);
        suspended.setStatus(job.getStatus());
        StreamJobStatus next = deployed(suspended, statefulSet(0, 0));

        assertEquals("Suspended", next.phase);
        assertEquals(List.of("False", "Suspended", LONG_AGO), List.of(condition(next, "Ready").getStatus(),
                condition(next, "Ready").getReason(), condition(next, "Ready").getLastTransitionTime()));
        // Progressing went from True (RollingOut) to False: a transition, with a new time
        assertNotEquals(LONG_AGO, condition(next, "Progressing").getLastTransitionTime());
        assertTrue(StatusUpdate.changes(job.getStatus(), next));
    }

    @Test
    void readyWhenEveryPodOfTheCurrentTemplateIsReady() {
        StreamJobStatus status = deployed(job(false), statefulSet(1, 1));

        assertEquals("Running", status.phase);
        assertEquals("True", condition(status, "Ready").getStatus());
        assertEquals("RolloutComplete", condition(status, "Progressing").getReason());
        assertEquals(3L, status.observedGeneration);
        assertEquals(1, status.readyReplicas);
    }

    @Test
    void degradedWhileARuntimePodCrashLoops() {
        StreamJobStatus status = deployed(job(false), statefulSet(2, 1),
                List.of("pod readings-1: container runtime restarted 5 times, last exit code 1 (Error)"));

        assertEquals(List.of("True", "CrashLoopBackOff"),
                List.of(condition(status, "Degraded").getStatus(), condition(status, "Degraded").getReason()));
        assertTrue(condition(status, "Degraded").getMessage().startsWith("pod readings-1:"));
        assertEquals("False", condition(deployed(job(false), statefulSet(2, 2)), "Degraded").getStatus());
    }

    @Test
    void anInvalidSpecFailsWithEveryProblemNamingItsField() {
        StreamJobStatus status = JobStatuses.invalid(job(false), List.of(
                new ValidationError("spec.pipeline[0].filter", "does not compile"),
                new ValidationError("spec.checkpoints.interval", "must be more than zero")), new WorkloadObservation(Optional.empty(), List.of()));

        assertEquals("Failed", status.phase);
        assertEquals("InvalidSpec", condition(status, "Ready").getReason());
        assertEquals("The spec is invalid: spec.pipeline[0].filter: does not compile;"
                + " spec.checkpoints.interval: must be more than zero", condition(status, "Ready").getMessage());
        assertEquals(0, status.replicas);
    }
}

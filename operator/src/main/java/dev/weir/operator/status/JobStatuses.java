package dev.weir.operator.status;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.api.validation.ValidationError;
import dev.weir.operator.dependents.Labels;
import dev.weir.operator.dependents.Replicas;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.observe.WorkloadObservation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The status a reconcile ends with, decided from what it found. */
public final class JobStatuses {
    static final String PENDING = "Pending";
    static final String RUNNING = "Running";
    public static final String SUSPENDED = "Suspended";
    static final String FAILED = "Failed";
    /** Scaled to zero by the autoscaler: nothing to process. */
    static final String IDLE = "Idle";

    static final String SCALED_TO_ZERO = "ScaledToZero";

    public static final String INVALID_SPEC = "InvalidSpec";
    static final String RECONCILE_ERROR = "ReconcileError";

    private JobStatuses() {
    }

    /** SpecValidator refused the spec: nothing is deployed for it. */
    public static StreamJobStatus invalid(StreamJob job, List<ValidationError> errors, WorkloadObservation observed) {
        String problems = errors.stream().map(ValidationError::toString).collect(Collectors.joining("; "));
        Long generation = job.getMetadata().getGeneration();
        return status(job, FAILED,
                Conditions.of(Conditions.READY, false, INVALID_SPEC, "The spec is invalid: " + problems, generation),
                Conditions.of(Conditions.PROGRESSING, false, INVALID_SPEC,
                        "Nothing is rolled out until the spec is fixed", generation),
                observed);
    }

    /** Creating or updating the workload failed; the operator retries. */
    public static StreamJobStatus failed(StreamJob job, Exception error, WorkloadObservation observed) {
        String message = "Reconciling failed, retrying: " + Objects.requireNonNullElse(error.getMessage(),
                error.getClass().getSimpleName());
        Long generation = job.getMetadata().getGeneration();
        return status(job, FAILED,
                Conditions.of(Conditions.READY, false, RECONCILE_ERROR, message, generation),
                Conditions.of(Conditions.PROGRESSING, false, RECONCILE_ERROR, message, generation),
                observed);
    }

    /** The workload is applied; its StatefulSet says how far the pods are. */
    static StreamJobStatus deployed(StreamJob job, Workload workload, WorkloadObservation observed) {
        Long generation = job.getMetadata().getGeneration();
        if (workload.replicas() == 0 && !Boolean.TRUE.equals(job.getSpec().suspend)
                && Replicas.autoscaled(job.getSpec())) {
            String why = "No lag and no input: 0 runtime pods; the autoscaler starts them when records arrive";
            return status(job, IDLE, Conditions.of(Conditions.READY, true, SCALED_TO_ZERO, why, generation),
                    Conditions.of(Conditions.PROGRESSING, false, SCALED_TO_ZERO, "Scaled to 0 runtime pods",
                            generation),
                    observed);
        }
        if (workload.replicas() == 0) {
            String why = Boolean.TRUE.equals(job.getSpec().suspend) ? "spec.suspend is true"
                    : "spec.replicas is 0 (scaled to zero)";
            return status(job, SUSPENDED,
                    Conditions.of(Conditions.READY, false, SUSPENDED, why + ": no runtime pods run", generation),
                    Conditions.of(Conditions.PROGRESSING, false, SUSPENDED, "Scaled to 0 runtime pods", generation),
                    observed);
        }
        int ready = readyReplicas(observed.statefulSet());
        boolean rolledOut = observed.statefulSet().map(s -> rolledOut(s, workload.replicas())).orElse(false);
        String pods = ready + "/" + workload.replicas() + " runtime pods ready";
        Condition readyCondition = ready >= workload.replicas() && rolledOut
                ? Conditions.of(Conditions.READY, true, "AllReplicasReady", pods, generation)
                : Conditions.of(Conditions.READY, false, "ReplicasNotReady", pods, generation);
        Condition progressing = rolledOut
                ? Conditions.of(Conditions.PROGRESSING, false, "RolloutComplete",
                        "All runtime pods run config " + workload.configHash(), generation)
                : Conditions.of(Conditions.PROGRESSING, true, "RollingOut",
                        "Rolling out config " + workload.configHash() + " to " + workload.replicas()
                                + " runtime pods", generation);
        // Running once any pod processes records: a rolling update of a running job is not a return to Pending
        return status(job, ready > 0 ? RUNNING : PENDING, readyCondition, progressing, observed);
    }

    /** Whether the StatefulSet controller has brought every pod to the current template. */
    private static boolean rolledOut(StatefulSet statefulSet, int replicas) {
        var status = statefulSet.getStatus();
        return status != null
                && Objects.equals(status.getObservedGeneration(), statefulSet.getMetadata().getGeneration())
                && Objects.requireNonNullElse(status.getUpdatedReplicas(), 0) >= replicas
                && (status.getUpdateRevision() == null
                        || status.getUpdateRevision().equals(status.getCurrentRevision()));
    }

    private static int readyReplicas(Optional<StatefulSet> statefulSet) {
        return statefulSet.map(StatefulSet::getStatus)
                .map(status -> Objects.requireNonNullElse(status.getReadyReplicas(), 0))
                .orElse(0);
    }

    /** Degraded when a runtime pod crash-loops, whatever else holds: a job being fixed may still run old pods. */
    private static Condition degraded(WorkloadObservation observed, Long generation) {
        return observed.crashLoops().isEmpty()
                ? Conditions.of(Conditions.DEGRADED, false, "NoCrashLoops", "No runtime pod is crash-looping",
                        generation)
                : Conditions.of(Conditions.DEGRADED, true, WorkloadObservation.CRASH_LOOP,
                        String.join("; ", observed.crashLoops()), generation);
    }

    private static StreamJobStatus status(StreamJob job, String phase, Condition ready, Condition progressing,
                                          WorkloadObservation observed) {
        StreamJobStatus previous = job.getStatus();
        List<Condition> previousConditions = previous == null ? List.of() : previous.conditions;
        StreamJobStatus next = new StreamJobStatus();
        next.observedGeneration = job.getMetadata().getGeneration();
        next.phase = phase;
        next.conditions = Stream.of(ready, progressing, degraded(observed, job.getMetadata().getGeneration()))
                .map(condition -> Conditions.keepTransitionTime(condition, previousConditions))
                .collect(Collectors.toList());
        next.replicas = observed.statefulSet().map(s -> s.getSpec().getReplicas()).orElse(0);
        next.selector = Labels.selectorString(job.getMetadata().getName());
        next.readyReplicas = readyReplicas(observed.statefulSet());
        ScalingStatus.carryOver(next, previous);
        next.checkpoints = previous == null ? null : previous.checkpoints;
        return next;
    }
}

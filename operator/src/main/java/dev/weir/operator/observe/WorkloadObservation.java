package dev.weir.operator.observe;

import dev.weir.api.StreamJob;
import dev.weir.operator.dependents.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the operator sees of a job's workload in the informers' caches: its StatefulSet, and which of its pods
 * crash-loop. Part of a valid job's {@link Observation}; alone, it is all an invalid or failed job's status reads.
 *
 * @param statefulSet the job's StatefulSet, if it has one
 * @param crashLoops  one line per runtime container in CrashLoopBackOff, naming the pod
 */
public record WorkloadObservation(Optional<StatefulSet> statefulSet, List<String> crashLoops) {
    public static final String CRASH_LOOP = "CrashLoopBackOff";

    public static WorkloadObservation of(Context<StreamJob> context) {
        return new WorkloadObservation(context.getSecondaryResource(StatefulSet.class),
                crashLoops(context.getSecondaryResources(Pod.class)));
    }

    /**
     * Watches the runtime pods, which the StatefulSet owns, not the job: they find their job by the instance label
     * the operator puts on the pod template.
     */
    public static InformerEventSource<Pod, StreamJob> runtimePods(EventSourceContext<StreamJob> context) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, StreamJob.class)
                .withName("runtime-pods")
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(pod -> Optional.ofNullable(pod.getMetadata().getLabels())
                        .map(labels -> labels.get(Labels.INSTANCE))
                        .map(job -> Set.of(new ResourceID(job, pod.getMetadata().getNamespace())))
                        .orElse(Set.of()))
                .build(), context);
    }

    /** The same pods with {@code statefulSet} as the dependents left it. */
    WorkloadObservation withStatefulSet(Optional<StatefulSet> applied) {
        return new WorkloadObservation(applied, crashLoops);
    }

    private static List<String> crashLoops(Collection<Pod> pods) {
        return pods.stream()
                .filter(pod -> pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null)
                .flatMap(pod -> pod.getStatus().getContainerStatuses().stream()
                        .filter(WorkloadObservation::crashLooping)
                        .map(container -> describe(pod, container)))
                .sorted()
                .toList();
    }

    private static boolean crashLooping(ContainerStatus container) {
        return container.getState() != null && container.getState().getWaiting() != null
                && CRASH_LOOP.equals(container.getState().getWaiting().getReason());
    }

    private static String describe(Pod pod, ContainerStatus container) {
        var lastExit = container.getLastState() == null ? null : container.getLastState().getTerminated();
        return "pod " + pod.getMetadata().getName() + ": container " + container.getName() + " restarted "
                + container.getRestartCount() + " times"
                + (lastExit == null ? "" : ", last exit code " + lastExit.getExitCode()
                + (lastExit.getReason() == null ? "" : " (" + lastExit.getReason() + ")"));
    }
}

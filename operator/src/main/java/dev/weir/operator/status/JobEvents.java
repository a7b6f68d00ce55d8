package dev.weir.operator.status;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.dependents.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events on a StreamJob, for {@code kubectl describe}: one per change of its status that a user wants to hear of,
 * so a reconcile that changes nothing records nothing.
 */
public final class JobEvents {
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);

    private JobEvents() {
    }

    /** Records the events that going from {@code before} to {@code after} calls for. */
    public static void recordTransition(KubernetesClient client, StreamJob job, StreamJobStatus before,
                                 StreamJobStatus after) {
        Optional<Condition> readyBefore = before == null ? Optional.empty()
                : Conditions.find(before.conditions, Conditions.READY);
        Condition readyAfter = Conditions.find(after.conditions, Conditions.READY).orElseThrow();
        String phaseBefore = before == null ? null : before.phase;
        Long generationBefore = before == null ? null : before.observedGeneration;

        boolean degradedBefore = before != null && Conditions.find(before.conditions, Conditions.DEGRADED)
                .map(c -> "True".equals(c.getStatus())).orElse(false);
        Condition degradedAfter = Conditions.find(after.conditions, Conditions.DEGRADED).orElseThrow();
        if ("True".equals(degradedAfter.getStatus()) && !degradedBefore) {
            record(client, job, WARNING, degradedAfter.getReason(), degradedAfter.getMessage());
        }
        if (JobStatuses.FAILED.equals(after.phase)) {
            boolean news = readyBefore.map(old -> !Objects.equals(old.getReason(), readyAfter.getReason())
                    || !Objects.equals(old.getMessage(), readyAfter.getMessage())).orElse(true);
            if (news) {
                record(client, job, WARNING, readyAfter.getReason(), readyAfter.getMessage());
            }
            return;
        }
        if (generationBefore == null) {
            record(client, job, NORMAL, "Created", "Created the runtime's ConfigMap, StatefulSet and Service");
        } else if (!generationBefore.equals(after.observedGeneration)) {
            record(client, job, NORMAL, "SpecChanged", "Applying generation " + after.observedGeneration);
        }
        if (JobStatuses.SUSPENDED.equals(after.phase) && !JobStatuses.SUSPENDED.equals(phaseBefore)) {
            record(client, job, NORMAL, "Suspended", "spec.suspend is true: scaled to 0 runtime pods");
        } else if (JobStatuses.SUSPENDED.equals(phaseBefore) && !JobStatuses.SUSPENDED.equals(after.phase)) {
            record(client, job, NORMAL, "Resumed", "spec.suspend is false: scaling to " + after.replicas
                    + " runtime pods");
        }
    }

    public static void record(KubernetesClient client, StreamJob job, String type, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        var event = new EventBuilder()
                .withNewMetadata()
                .withGenerateName(job.getMetadata().getName() + ".")
                .withNamespace(job.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(job.getApiVersion())
                        .withKind(job.getKind())
                        .withName(job.getMetadata().getName())
                        .withNamespace(job.getMetadata().getNamespace())
                        .withUid(job.getMetadata().getUid())
                        .withResourceVersion(job.getMetadata().getResourceVersion())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(Labels.OPERATOR).endSource()
                .build();
        try {
            client.v1().events().inNamespace(job.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // an event is a courtesy: failing to record one must not fail the reconcile
            LOG.warn("Could not record event {} on StreamJob {}/{}: {}", reason, job.getMetadata().getNamespace(),
                    job.getMetadata().getName(), e.getMessage());
        }
    }
}

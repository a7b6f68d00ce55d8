package dev.weir.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** Writes a job's status only when it changed, from an object that carries only the status. */
public final class StatusUpdate {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private StatusUpdate() {
    }

    /** Whether {@code next} says something {@code previous} does not: compared as JSON, the form that is stored. */
    public static boolean changes(StreamJobStatus previous, StreamJobStatus next) {
        return previous == null
                || !SERIALIZATION.convertValue(previous, JsonNode.class)
                        .equals(SERIALIZATION.convertValue(next, JsonNode.class));
    }

    /** A StreamJob with the job's name and namespace and {@code status}: what a status patch sends. */
    public static StreamJob statusOnly(StreamJob job, StreamJobStatus status) {
        StreamJob patch = new StreamJob();
        patch.setMetadata(new ObjectMetaBuilder()
                .withName(job.getMetadata().getName())
                .withNamespace(job.getMetadata().getNamespace())
                .build());
        patch.setSpec(null);
        patch.setStatus(status);
        return patch;
    }
}

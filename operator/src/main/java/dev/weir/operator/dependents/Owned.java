package dev.weir.operator.dependents;

import dev.weir.api.StreamJob;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.List;

/** The metadata every object the operator makes for a job carries. */
final class Owned {
    private Owned() {
    }

    /**
     * Names {@code object}, puts it in the job's namespace with the job's labels, and makes the job its controlling
     * owner: {@code kubectl delete sj} has the garbage collector delete it, and {@code kubectl describe} shows
     * "Controlled By"; a foreground delete waits for it ({@code blockOwnerDeletion}). JOSDK keeps this reference
     * rather than adding its own, which lacks {@code controller}.
     */
    static <T extends HasMetadata> T by(StreamJob job, String name, T object) {
        object.getMetadata().setName(name);
        object.getMetadata().setNamespace(job.getMetadata().getNamespace());
        object.getMetadata().setLabels(Labels.of(job.getMetadata().getName()));
        object.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
                .withApiVersion(job.getApiVersion())
                .withKind(job.getKind())
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build()));
        return object;
    }
}

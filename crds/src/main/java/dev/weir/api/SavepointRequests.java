package dev.weir.api;

import java.util.Map;
import java.util.Optional;

/**
 * On-demand savepoints: the annotation's nonce goes into the job's ConfigMap under its own key, which the pods see
 * as a file next to the job file and the runtime watches; the config hash covers the job file only, so a request
 * rolls no pod.
 */
public final class SavepointRequests {
    /** Set to any new value to ask for a savepoint. */
    public static final String ANNOTATION = "weir.dev/savepoint-request";
    /** The ConfigMap key, and the file next to the job file that the runtime watches. */
    public static final String FILE = "savepoint-request";

    private SavepointRequests() {
    }

    /** The job's request, if its annotation holds one. */
    public static Optional<String> nonce(StreamJob job) {
        Map<String, String> annotations = job.getMetadata().getAnnotations();
        return Optional.ofNullable(annotations == null ? null : annotations.get(ANNOTATION))
                .map(String::trim).filter(nonce -> !nonce.isEmpty());
    }
}

package dev.weir.checkpoint;

import java.util.Map;
import java.util.Optional;

/**
 * S3 access keys for the checkpoint store, read from environment variables that the operator fills from the
 * Secret the job references. Scoped to checkpoints, so they never replace the pod's identity for other AWS calls.
 * {@link #toString()} never shows the secret.
 */
public record StaticCredentials(String accessKeyId, String secretAccessKey, Optional<String> sessionToken) {

    public static final String ACCESS_KEY_ID_ENV = "WEIR_CHECKPOINTS_ACCESS_KEY_ID";
    public static final String SECRET_ACCESS_KEY_ENV = "WEIR_CHECKPOINTS_SECRET_ACCESS_KEY";
    public static final String SESSION_TOKEN_ENV = "WEIR_CHECKPOINTS_SESSION_TOKEN";

    /**
     * The keys set in {@code environment}, or empty when neither key variable is set (then the AWS default
     * credentials chain applies: pod identity, AWS_* variables, profiles).
     *
     * @throws IllegalArgumentException if only one of the two key variables is set
     */
    public static Optional<StaticCredentials> fromEnvironment(Map<String, String> environment) {
        Optional<String> accessKeyId = nonBlank(environment.get(ACCESS_KEY_ID_ENV));
        Optional<String> secretAccessKey = nonBlank(environment.get(SECRET_ACCESS_KEY_ENV));
        if (accessKeyId.isEmpty() && secretAccessKey.isEmpty()) {
            return Optional.empty();
        }
        if (accessKeyId.isEmpty() || secretAccessKey.isEmpty()) {
            String missing = accessKeyId.isEmpty() ? ACCESS_KEY_ID_ENV : SECRET_ACCESS_KEY_ENV;
            throw new IllegalArgumentException("checkpoint credentials: " + missing + " is not set while "
                    + (accessKeyId.isEmpty() ? SECRET_ACCESS_KEY_ENV : ACCESS_KEY_ID_ENV)
                    + " is; set both (from the job's credentials Secret) or neither (to use the pod's identity)");
        }
        return Optional.of(new StaticCredentials(accessKeyId.get(), secretAccessKey.get(),
                nonBlank(environment.get(SESSION_TOKEN_ENV))));
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    @Override
    public String toString() {
        return "StaticCredentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***"
                + sessionToken.map(token -> ", sessionToken=***").orElse("") + "]";
    }
}

package dev.weir.operator.checkpoints;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.RetryPolicy;
import dev.weir.checkpoint.S3Options;
import dev.weir.checkpoint.StaticCredentials;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.operator.config.RuntimeDefaults;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * A job's checkpoint store as the operator reads it: the job's location (or the operator's default), the job's S3
 * settings, and the keys of its credentials Secret, or the operator's own identity when it references none.
 *
 * @param location the store's root, before the job's folder
 */
public record JobStore(URI location, String folder, CheckpointSettings settings) {
    /** Listing runs on the reconcile thread: a short retry, the next listing tries again. */
    private static final RetryPolicy LISTING_RETRY = new RetryPolicy(2, Duration.ofMillis(200), Duration.ofSeconds(1));
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    /** The job's store, or none when neither the job nor the operator names a location. */
    static Optional<JobStore> of(StreamJob job, RuntimeDefaults defaults, KubernetesClient client) {
        CheckpointSpec spec = job.getSpec().checkpoints;
        Optional<String> location = Optional.ofNullable(spec).map(s -> s.location).or(defaults::checkpointLocation);
        return location.map(uri -> new JobStore(URI.create(uri), ConsumerGroups.of(job),
                settings(spec, job.getMetadata().getNamespace(), client)));
    }

    TaskCheckpoints open() {
        return TaskCheckpoints.open(location, folder, settings);
    }

    private static CheckpointSettings settings(CheckpointSpec spec, String namespace, KubernetesClient client) {
        S3Options s3 = S3Options.defaults().withTimeouts(CONNECT_TIMEOUT, SOCKET_TIMEOUT);
        CheckpointSpec.S3 options = spec == null ? null : spec.s3;
        if (options != null) {
            if (options.endpoint != null) {
                s3 = s3.withEndpoint(URI.create(options.endpoint)).withPathStyle(options.pathStyleOrDefault());
            }
            if (options.region != null) {
                s3 = s3.withRegion(options.region);
            }
            if (options.credentialsSecret != null) {
                s3 = s3.withCredentials(Optional.of(credentials(options.credentialsSecret, namespace, client,
                        "spec.checkpoints.s3.credentialsSecret")));
            }
        }
        return CheckpointSettings.defaults().withRetry(LISTING_RETRY).withS3(s3);
    }

    /**
     * The key pair from the job's Secret that {@code field} names; the message names the field to fix and never holds
     * a value.
     */
    public static StaticCredentials credentials(CheckpointSpec.CredentialsSecret ref, String namespace,
                                         KubernetesClient client, String field) {
        Secret secret = client.secrets().inNamespace(namespace).withName(ref.name).get();
        if (secret == null) {
            throw new IllegalStateException(field + ".name: Secret " + namespace + "/" + ref.name
                    + " does not exist; create it with the keys " + ref.accessKeyIdKeyOrDefault() + " and "
                    + ref.secretAccessKeyKeyOrDefault());
        }
        return new StaticCredentials(value(secret, ref.accessKeyIdKeyOrDefault(), field + ".accessKeyIdKey"),
                value(secret, ref.secretAccessKeyKeyOrDefault(), field + ".secretAccessKeyKey"), Optional.empty());
    }

    private static String value(Secret secret, String key, String field) {
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        String encoded = data.get(key);
        if (encoded == null) {
            throw new IllegalStateException(field + ": Secret " + secret.getMetadata().getName() + " has no key "
                    + key + "; add it or name the key that holds the value");
        }
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).trim();
    }
}

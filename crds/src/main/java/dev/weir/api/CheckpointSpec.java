package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.time.Duration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointSpec {
    public static final String DEFAULT_INTERVAL = "30s";
    public static final int DEFAULT_RETAIN = 3;
    public static final String DEFAULT_SAVEPOINT_TIMEOUT = "2m";
    /** The form of a checkpoint location in the CRD. */
    public static final String LOCATION_PATTERN = "^(s3|file)://.+";

    @Pattern(LOCATION_PATTERN)
    @JsonPropertyDescription("s3://bucket/prefix or file:///path. Each job keeps its checkpoints in a folder named after"
            + " its consumer group (weir-<namespace>-<name>) under it. Absent: the operator's default location"
            + " (chart value jobDefaults.checkpointLocation); with none, no checkpoints and state is restored from"
            + " the changelog topics alone.")
    public String location;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_INTERVAL)
    @JsonPropertyDescription("Time between checkpoints (default 30s).")
    public String interval;

    @Min(1)
    @Default("" + DEFAULT_RETAIN)
    @JsonPropertyDescription("Checkpoints kept per task (default 3); files no kept checkpoint uses are deleted."
            + " Savepoints are kept until deleted.")
    public Integer retain;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_SAVEPOINT_TIMEOUT)
    @JsonPropertyDescription("How long deleting the job waits for its pods to stop and their savepoint to be listed"
            + " (default 2m); then the job is deleted anyway, with a Warning event SavepointTimeout.")
    public String savepointTimeout;

    @JsonPropertyDescription("For s3:// locations: an S3-compatible server (MinIO, Ceph…) and credentials. Without"
            + " credentialsSecret, credentials come from the pod's AWS default provider chain (environment, web"
            + " identity, instance profile).")
    public S3 s3;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class S3 {
        @Pattern(SourceSpec.HTTP_URL)
        @JsonPropertyDescription("The server's URL, e.g. http://minio:9000. Absent: AWS S3.")
        public String endpoint;

        @Default("true")
        @JsonPropertyDescription("Address buckets as endpoint/bucket/key, which most S3-compatible servers need"
                + " (default true); false uses bucket.endpoint/key. Only with endpoint.")
        public Boolean pathStyle;

        @JsonPropertyDescription("The signing region. Absent: the AWS default region chain, or us-east-1 with an"
                + " endpoint.")
        public String region;

        @JsonPropertyDescription("A Secret in the job's namespace with the access key pair, given to the runtime pods"
                + " as environment variables and read by the operator to list checkpoints.")
        public CredentialsSecret credentialsSecret;

        public boolean pathStyleOrDefault() {
            return pathStyle == null || pathStyle;
        }
    }

    /** The keys of an S3 access key pair in a Secret. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CredentialsSecret {
        public static final String DEFAULT_ACCESS_KEY_ID_KEY = "accessKeyId";
        public static final String DEFAULT_SECRET_ACCESS_KEY_KEY = "secretAccessKey";

        @Required
        @JsonPropertyDescription("The Secret's name.")
        public String name;

        @Default(DEFAULT_ACCESS_KEY_ID_KEY)
        @JsonPropertyDescription("The key of the access key id in the Secret (default accessKeyId).")
        public String accessKeyIdKey;

        @Default(DEFAULT_SECRET_ACCESS_KEY_KEY)
        @JsonPropertyDescription("The key of the secret access key in the Secret (default secretAccessKey).")
        public String secretAccessKeyKey;

        public String accessKeyIdKeyOrDefault() {
            return accessKeyIdKey == null ? DEFAULT_ACCESS_KEY_ID_KEY : accessKeyIdKey;
        }

        public String secretAccessKeyKeyOrDefault() {
            return secretAccessKeyKey == null ? DEFAULT_SECRET_ACCESS_KEY_KEY : secretAccessKeyKey;
        }
    }

    /** The interval; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration intervalOrDefault() {
        return Durations.parse(interval == null ? DEFAULT_INTERVAL : interval);
    }

    /** The savepoint timeout; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration savepointTimeoutOrDefault() {
        return Durations.parse(savepointTimeout == null ? DEFAULT_SAVEPOINT_TIMEOUT : savepointTimeout);
    }

    public int retainOrDefault() {
        return retain == null ? DEFAULT_RETAIN : retain;
    }
}

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.time.Duration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointSpec {
    public static final String DEFAULT_INTERVAL = "30s";
    public static final int DEFAULT_RETAIN = 3;
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

    @JsonPropertyDescription("For s3:// locations on an S3-compatible server (MinIO, Ceph…). Credentials come from"
            + " the pod's AWS default provider chain (environment, web identity, instance profile).")
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

        public boolean pathStyleOrDefault() {
            return pathStyle == null || pathStyle;
        }
    }

    /** The interval; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration intervalOrDefault() {
        return Durations.parse(interval == null ? DEFAULT_INTERVAL : interval);
    }

    public int retainOrDefault() {
        return retain == null ? DEFAULT_RETAIN : retain;
    }
}

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import java.time.Duration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointSpec {
    public static final String DEFAULT_INTERVAL = "30s";
    /** The form of a checkpoint location in the CRD. */
    public static final String LOCATION_PATTERN = "^(s3|file)://.+";

    @Pattern(LOCATION_PATTERN)
    @JsonPropertyDescription("s3://bucket/prefix or file:///path (the local default).")
    public String location;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_INTERVAL)
    @JsonPropertyDescription("Time between checkpoints (default 30s).")
    public String interval;

    /** The interval; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration intervalOrDefault() {
        return Durations.parse(interval == null ? DEFAULT_INTERVAL : interval);
    }
}

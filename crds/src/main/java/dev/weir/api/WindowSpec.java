package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.time.Duration;
import java.util.LinkedHashMap;

/** An event-time window: keyBy, exactly one shape (tumbling, hopping, session), aggregates. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WindowSpec {
    public static final String DEFAULT_ALLOWED_LATENESS = "0s";

    @JsonPropertyDescription("Field whose value groups records; a record without it is dead-lettered (missing_key).")
    public String keyBy;

    @JsonPropertyDescription("Fixed windows of this duration, aligned to the epoch, e.g. 10m.")
    public String tumbling;

    @JsonPropertyDescription("Overlapping windows of a size starting every advance.")
    public Hopping hopping;

    @JsonPropertyDescription("Per-key sessions closed by a gap without records.")
    public Session session;

    @JsonPropertyDescription("How long after a window's end records are still accepted (default 0s).")
    public String allowedLateness;

    @JsonPropertyDescription("Output field name → aggregate: count(), count(x), sum(x), avg(x), min(x), max(x).")
    public LinkedHashMap<String, String> aggregate;

    /** The allowed lateness; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration allowedLatenessOrDefault() {
        return Durations.parse(allowedLateness == null ? DEFAULT_ALLOWED_LATENESS : allowedLateness);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Hopping {
        @JsonPropertyDescription("Length of each window, e.g. 10m.")
        public String size;

        @JsonPropertyDescription("Distance between window starts, at most size, e.g. 5m.")
        public String advance;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Session {
        @JsonPropertyDescription("Records of a key less than this apart share a session, e.g. 5m.")
        public String gap;
    }
}

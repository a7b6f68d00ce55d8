package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.time.Duration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class EventTimeSpec {
    public static final String DEFAULT_IDLE_TIMEOUT = "30s";
    public static final String DEFAULT_ALLOWED_LATENESS = "0s";

    @Required
    @JsonPropertyDescription("Field holding the event time: epoch milliseconds or an ISO-8601 string.")
    public String field;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_IDLE_TIMEOUT)
    @JsonPropertyDescription("A source partition that yields no record for this long stops holding the watermark back"
            + " (default 30s). When all are idle, wall-clock time moves the watermark on.")
    public String idleTimeout;

    @Pattern(Durations.PATTERN)
    @JsonPropertyDescription("How long after a window's end records are still accepted, for every window that sets no"
            + " allowedLateness of its own and for the windows of spec.sql. Absent: 0s. Flink's WATERMARK FOR ts AS ts -"
            + " INTERVAL '5' SECOND is allowedLateness: 5s.")
    public String allowedLateness;

    /** The idle timeout; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration idleTimeoutOrDefault() {
        return Durations.parse(idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout);
    }

    /** The job's allowed lateness; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration allowedLatenessOrDefault() {
        return Durations.parse(allowedLateness == null ? DEFAULT_ALLOWED_LATENESS : allowedLateness);
    }
}

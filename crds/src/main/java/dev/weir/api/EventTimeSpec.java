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

    @Required
    @JsonPropertyDescription("Field holding the event time: epoch milliseconds or an ISO-8601 string.")
    public String field;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_IDLE_TIMEOUT)
    @JsonPropertyDescription("A source partition that yields no record for this long stops holding the watermark back"
            + " (default 30s). When all are idle, wall-clock time moves the watermark on.")
    public String idleTimeout;

    /** The idle timeout; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration idleTimeoutOrDefault() {
        return Durations.parse(idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout);
    }
}

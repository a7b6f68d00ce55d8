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
    /** Kafka brokers' own bound on record timestamps ahead of their clock (log.message.timestamp.after.max.ms). */
    public static final String DEFAULT_MAX_AHEAD = "1h";

    @Required
    @JsonPropertyDescription("Field holding the event time: a number since the epoch (see unit), a string of digits"
            + " read the same way, or an ISO-8601 string with a zone (Z, +02:00 or +0200). Event times outside years"
            + " 0001-9999 are dead-lettered as bad_event_time.")
    public String field;

    @Default("millis")
    @JsonPropertyDescription("What a number in the event-time field counts since 1970-01-01T00:00:00Z: millis (the"
            + " default) or seconds (fractions allowed, e.g. 1714564800.25).")
    public Unit unit;

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
    @Default(DEFAULT_MAX_AHEAD)
    @JsonPropertyDescription("An event time more than this ahead of the wall clock when its record is read is"
            + " dead-lettered as bad_event_time and does not move the watermark, so one record from the far future"
            + " cannot make every later record late (default 1h). Without eventTime the record timestamp is checked"
            + " against the default.")
    public String maxAhead;

    /** Lower-case constants because they are the spelling users write in YAML. */
    public enum Unit { millis, seconds }

    /** The idle timeout; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration idleTimeoutOrDefault() {
        return Durations.parse(idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout);
    }

    /** The job's allowed lateness; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration allowedLatenessOrDefault() {
        return Durations.parse(allowedLateness == null ? DEFAULT_ALLOWED_LATENESS : allowedLateness);
    }

    /** The bound on event times ahead of the clock; call after validation. */
    public Duration maxAheadOrDefault() {
        return Durations.parse(maxAheadSpelling());
    }

    /** The bound as the spec spells it (or the default), for messages that tell the user which setting applies. */
    public String maxAheadSpelling() {
        return maxAhead == null ? DEFAULT_MAX_AHEAD : maxAhead;
    }

    public Unit unitOrDefault() {
        return unit == null ? Unit.millis : unit;
    }
}

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.time.Duration;
import java.util.LinkedHashMap;

/** An event-time window: keyBy, exactly one shape (tumbling, hopping, session), aggregates. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.tumbling) ? 1 : 0) + (has(self.hopping) ? 1 : 0) + (has(self.session) ? 1 : 0) == 1",
        message = "a window sets exactly one of tumbling, hopping or session")
public class WindowSpec {
    @Required
    @JsonPropertyDescription("Field whose value groups records; a record without it is dead-lettered (missing_key).")
    public String keyBy;

    @Pattern(Durations.PATTERN)
    @JsonPropertyDescription("Fixed windows of this duration, aligned to the epoch, e.g. 10m.")
    public String tumbling;

    @JsonPropertyDescription("Overlapping windows of a size starting every advance.")
    public Hopping hopping;

    @JsonPropertyDescription("Per-key sessions closed by a gap without records.")
    public Session session;

    // no schema default: absent means the job's spec.eventTime.allowedLateness, which the API server cannot fill in
    @Pattern(Durations.PATTERN)
    @JsonPropertyDescription("How long after a window's end records are still accepted. Absent:"
            + " spec.eventTime.allowedLateness, else 0s.")
    public String allowedLateness;

    @Required
    @Size(min = 1)
    @JsonPropertyDescription("Output field name → aggregate: count(), count(x), sum(x), avg(x), min(x), max(x),"
            + " where x is a CEL expression. Output records also carry the key field, window_start and window_end.")
    public LinkedHashMap<String, String> aggregate;

    /**
     * The allowed lateness: this window's, else the job's ({@code eventTime} may be null); call after validation, it
     * throws IllegalArgumentException on a malformed one.
     */
    public Duration allowedLatenessOrDefault(EventTimeSpec eventTime) {
        if (allowedLateness != null) {
            return Durations.parse(allowedLateness);
        }
        return (eventTime == null ? new EventTimeSpec() : eventTime).allowedLatenessOrDefault();
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Hopping {
        @Required
        @Pattern(Durations.PATTERN)
        @JsonPropertyDescription("Length of each window, e.g. 10m.")
        public String size;

        @Required
        @Pattern(Durations.PATTERN)
        @JsonPropertyDescription("Distance between window starts, at most size, e.g. 5m.")
        public String advance;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Session {
        @Required
        @Pattern(Durations.PATTERN)
        @JsonPropertyDescription("Records of a key less than this apart share a session, e.g. 5m.")
        public String gap;
    }
}

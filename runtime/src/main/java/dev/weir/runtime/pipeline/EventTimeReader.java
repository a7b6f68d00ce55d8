package dev.weir.runtime.pipeline;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** Reads a record's event time: epoch millis or an ISO-8601 string in a field, or the source timestamp. */
public final class EventTimeReader {
    private final String field;

    /** @param field the event-time field, or null to use the source record's timestamp */
    public EventTimeReader(String field) {
        this.field = field;
    }

    public long read(Map<String, Object> record, long sourceTimestamp) throws RecordRejected {
        if (field == null) {
            return sourceTimestamp;
        }
        Object value = record.get(field);
        if (value == null) {
            throw new RecordRejected(DeadLetterReason.bad_event_time, "event time field '" + field + "' is missing");
        }
        if (value instanceof Long millis) {
            return millis;
        }
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return d.longValue();
        }
        if (value instanceof String text) {
            return parseIso(text);
        }
        throw new RecordRejected(DeadLetterReason.bad_event_time,
                "event time field '" + field + "' is " + value + ": expected epoch milliseconds or an ISO-8601 string");
    }

    private long parseIso(String text) throws RecordRejected {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException notInstant) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new RecordRejected(DeadLetterReason.bad_event_time, "event time field '" + field + "' is '"
                        + text + "': expected ISO-8601 with a zone, e.g. 2024-05-01T12:00:00Z");
            }
        }
    }
}

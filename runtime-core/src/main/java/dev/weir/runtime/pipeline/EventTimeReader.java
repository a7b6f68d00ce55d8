package dev.weir.runtime.pipeline;

import dev.weir.api.EventTimeSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Map;

/**
 * Reads a record's event time: a number since the epoch (millis or seconds), a string of digits read the same way,
 * or an ISO-8601 string with a zone, in a field; or the source timestamp. Times outside years 0001–9999, and times
 * further ahead of the wall clock than the job allows, are {@code bad_event_time}: a watermark must never be moved
 * by one of them.
 */
public final class EventTimeReader {
    /** 0001-01-01T00:00:00Z: the first instant of the years every ISO-8601 reader agrees on. */
    public static final long MIN_MILLIS = Instant.parse("0001-01-01T00:00:00Z").toEpochMilli();
    /** 9999-12-31T23:59:59.999Z: the last millisecond of four-digit years. */
    public static final long MAX_MILLIS = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    private static final long MIN_SECONDS = Math.floorDiv(MIN_MILLIS, 1000);
    private static final long MAX_SECONDS = Math.floorDiv(MAX_MILLIS, 1000);
    private static final String RANGE = Instant.ofEpochMilli(MIN_MILLIS) + " .. " + Instant.ofEpochMilli(MAX_MILLIS);
    /** ISO-8601 date and time with a zone written Z, +HH:MM, +HHMM or +HH. */
    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter().withResolverStyle(ResolverStyle.STRICT).withChronology(IsoChronology.INSTANCE);

    private final String field;
    private final EventTimeSpec.Unit unit;
    private final long maxAheadMs;
    private final String maxAheadSpelling;
    /** How messages name what the event time is read from. */
    private final String what;

    /** @param field the event-time field, or null to use the source record's timestamp */
    public EventTimeReader(String field, EventTimeSpec.Unit unit, Duration maxAhead, String maxAheadSpelling) {
        this.field = field;
        this.unit = unit;
        this.maxAheadMs = maxAhead.toMillis();
        this.maxAheadSpelling = maxAheadSpelling;
        this.what = field == null ? "record timestamp" : "event time field '" + field + "'";
    }

    /** The reader of a spec's event time ({@code null}: the source timestamp, with the default bound). */
    public static EventTimeReader of(EventTimeSpec spec) {
        EventTimeSpec s = spec == null ? new EventTimeSpec() : spec;
        return new EventTimeReader(s.field, s.unitOrDefault(), s.maxAheadOrDefault(), s.maxAheadSpelling());
    }

    /**
     * @param nowMs the wall clock when the record is read: event times more than the bound ahead of it are rejected
     * @return the event time in epoch milliseconds, within {@link #MIN_MILLIS}..{@link #MAX_MILLIS}
     */
    public long read(Map<String, Object> record, long sourceTimestamp, long nowMs) throws RecordRejected {
        if (field == null) {
            if (sourceTimestamp < MIN_MILLIS || sourceTimestamp > MAX_MILLIS) {
                throw outOfRange("record timestamp " + sourceTimestamp);
            }
            return notTooFarAhead(sourceTimestamp, nowMs, "record timestamp");
        }
        Object value = record.get(field);
        if (value == null) {
            throw new RecordRejected(DeadLetterReason.bad_event_time, what + " is missing");
        }
        long millis;
        if (value instanceof Long number) {
            millis = fromLong(number, null);
        } else if (value instanceof Double number) {
            millis = fromDouble(number);
        } else if (value instanceof String text && isInteger(text)) {
            try {
                millis = fromLong(Long.parseLong(text), "'" + text + "'");
            } catch (NumberFormatException beyondLong) {
                throw outOfRange(what + " is '" + text + "' (epoch " + unit + ")");
            }
        } else if (value instanceof String text) {
            millis = parseIso(text);
        } else {
            throw new RecordRejected(DeadLetterReason.bad_event_time, what + " is " + Json.writeString(value)
                    + ": expected epoch " + unit + " or an ISO-8601 string with a zone");
        }
        return notTooFarAhead(millis, nowMs, what);
    }

    /** Whether {@code text} is an optional minus and one or more ASCII digits (epoch time written as a string). */
    private static boolean isInteger(String text) {
        int start = text.startsWith("-") ? 1 : 0;
        if (text.length() == start) {
            return false;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private long fromLong(long number, String asWritten) throws RecordRejected {
        boolean seconds = unit == EventTimeSpec.Unit.seconds;
        if (number < (seconds ? MIN_SECONDS : MIN_MILLIS) || number > (seconds ? MAX_SECONDS : MAX_MILLIS)) {
            throw outOfRange(what + " is " + (asWritten == null ? Long.toString(number) : asWritten) + " (epoch "
                    + unit + ")");
        }
        return seconds ? number * 1000 : number;
    }

    /** Compared as a double before any conversion: a value beyond {@code long} must not saturate into range. */
    private long fromDouble(double number) throws RecordRejected {
        if (unit == EventTimeSpec.Unit.seconds) {
            if (!(number >= MIN_SECONDS && number < MAX_SECONDS + 1)) {
                throw outOfRange(what + " is " + number + " (epoch seconds)");
            }
            // the decimal as written, so 1714564800.123 is 123 ms and not 122.99… of binary floating point
            return new BigDecimal(Double.toString(number)).movePointRight(3).setScale(0, RoundingMode.FLOOR)
                    .longValueExact();
        }
        if (!(number >= MIN_MILLIS && number <= MAX_MILLIS)) {
            throw outOfRange(what + " is " + number + " (epoch millis)");
        }
        if (number != Math.rint(number)) {
            throw new RecordRejected(DeadLetterReason.bad_event_time, what + " is " + number
                    + ": a fraction of a millisecond; write"
                    + " whole epoch milliseconds, or set spec.eventTime.unit: seconds if the field counts seconds");
        }
        return (long) number;
    }

    private static RecordRejected outOfRange(String what) {
        return new RecordRejected(DeadLetterReason.bad_event_time, what + ": outside the event times Weir reads, "
                + RANGE + " (epoch milliseconds " + MIN_MILLIS + " .. " + MAX_MILLIS + ")");
    }

    private long parseIso(String text) throws RecordRejected {
        long utc = UtcTimestamps.epochMillis(text);
        if (utc != UtcTimestamps.NOT_READ) {
            return utc;
        }
        String what = "event time field '" + field + "' is '" + text + "'";
        TemporalAccessor parsed;
        try {
            parsed = ISO.parse(text);
        } catch (DateTimeException e) {
            throw new RecordRejected(DeadLetterReason.bad_event_time, what + ": expected ISO-8601 with a zone, e.g."
                    + " 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00, or epoch " + unit);
        }
        if (!parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
            throw new RecordRejected(DeadLetterReason.bad_event_time, what + ": no zone; add Z for UTC or an offset"
                    + " such as +02:00");
        }
        Instant instant = LocalDateTime.from(parsed).toInstant(ZoneOffset.from(parsed));
        if (instant.isBefore(Instant.ofEpochMilli(MIN_MILLIS)) || instant.isAfter(Instant.ofEpochMilli(MAX_MILLIS))) {
            throw outOfRange(what);
        }
        return instant.toEpochMilli();
    }

    private long notTooFarAhead(long millis, long nowMs, String what) throws RecordRejected {
        if (millis - nowMs > maxAheadMs) {
            throw new RecordRejected(DeadLetterReason.bad_event_time, what + " is " + Instant.ofEpochMilli(millis)
                    + ", more than " + maxAheadSpelling + " ahead of the clock (" + Instant.ofEpochMilli(nowMs)
                    + "); it would move the watermark past every record after it. spec.eventTime.maxAhead sets the"
                    + " bound");
        }
        return millis;
    }
}

package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.EventTimeSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTimeReaderTest {
    private static final long T = 1_714_564_800_000L; // 2024-05-01T12:00:00Z
    /** A clock far enough ahead that the range, not the bound on the future, decides. */
    private static final long FAR_FUTURE_CLOCK = EventTimeReader.MAX_MILLIS;
    private final EventTimeReader millis = reader(EventTimeSpec.Unit.millis);

    private static EventTimeReader reader(EventTimeSpec.Unit unit) {
        return new EventTimeReader("t", unit, Duration.ofHours(1), "1h");
    }

    private long read(Object value) throws RecordRejected {
        return millis.read(Map.of("t", value), 0, FAR_FUTURE_CLOCK);
    }

    private String rejected(EventTimeReader reader, Object value, long now) {
        RecordRejected e = assertThrows(RecordRejected.class, () -> reader.read(Map.of("t", value), 0, now),
                String.valueOf(value));
        assertEquals(DeadLetterReason.bad_event_time, e.reason());
        return e.getMessage();
    }

    @Test
    void eventTimesOutsideYears1To9999AreRejectedNamingTheValueAndTheRange() {
        for (Object value : List.of(Long.MAX_VALUE, Long.MIN_VALUE, 1e300, -1e300, 253_402_300_800_000L,
                -62_135_596_800_001L, "+10000-01-01T00:00:00Z", "+999999999-12-31T23:59:59Z", "-0001-01-01T00:00:00Z",
                "99999999999999999999999", "9223372036854775807")) {
            String message = rejected(millis, value, FAR_FUTURE_CLOCK);
            assertTrue(message.contains(String.valueOf(value)) && message.contains("0001-01-01T00:00:00Z")
                    && message.contains("9999-12-31T23:59:59.999Z"), message);
        }
    }

    @Test
    void theEdgesOfTheRangeAreEventTimes() throws Exception {
        assertEquals(EventTimeReader.MIN_MILLIS, read(-62_135_596_800_000L));
        assertEquals(EventTimeReader.MAX_MILLIS, read("9999-12-31T23:59:59.999Z"));
        assertEquals(T, read((double) T));
    }

    @Test
    void moreThanTheBoundAheadOfTheClockIsRejected_naming_the_setting() throws Exception {
        assertEquals(T + 3_600_000, millis.read(Map.of("t", T + 3_600_000), 0, T), "exactly the bound is fine");
        String message = rejected(millis, T + 3_600_001, T);
        assertTrue(message.contains("2024-05-01T13:00:00.001Z") && message.contains("more than 1h ahead")
                && message.contains("spec.eventTime.maxAhead"), message);
        RecordRejected timestamp = assertThrows(RecordRejected.class,
                () -> new EventTimeReader(null, EventTimeSpec.Unit.millis, Duration.ofHours(1), "1h")
                        .read(Map.of(), T + 7_200_000, T));
        assertTrue(timestamp.getMessage().startsWith("record timestamp"), timestamp.getMessage());
    }

    @Test
    void isoOffsetsWithAndWithoutColonAndDigitStrings() throws Exception {
        assertEquals(T, read("2024-05-01T14:00:00+02:00"));
        assertEquals(T, read("2024-05-01T14:00:00+0200"));
        assertEquals(T, read("2024-05-01T14:00:00+02"));
        assertEquals(T, read("2024-05-01T12:00:00.000Z"));
        assertEquals(T, read(Long.toString(T)), "a digit string, as protobuf's JSON writes 64-bit integers");
        assertTrue(rejected(millis, "2024-05-01T12:00:00", FAR_FUTURE_CLOCK).contains("no zone"));
        assertTrue(rejected(millis, "2024-02-30T12:00:00Z", FAR_FUTURE_CLOCK).contains("ISO-8601"));
        assertTrue(rejected(millis, 1.5, FAR_FUTURE_CLOCK).contains("unit: seconds"));
    }

    @Test
    void secondsMayHaveAFraction_readAsWritten() throws Exception {
        EventTimeReader seconds = reader(EventTimeSpec.Unit.seconds);
        assertEquals(T, seconds.read(Map.of("t", T / 1000), 0, T));
        assertEquals(T + 123, seconds.read(Map.of("t", T / 1000 + 0.123), 0, T));
        assertEquals(T + 123, seconds.read(Map.of("t", T / 1000 + 0.1234567), 0, T), "below a millisecond: dropped");
        assertEquals(T, seconds.read(Map.of("t", Long.toString(T / 1000)), 0, T));
        assertEquals(T, seconds.read(Map.of("t", "2024-05-01T12:00:00Z"), 0, T), "ISO strings are not counts");
        assertTrue(rejected(seconds, T, T).contains("epoch seconds"), "millis read as seconds are year 56000");
    }
}

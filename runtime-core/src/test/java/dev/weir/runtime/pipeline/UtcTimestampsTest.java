package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.EventTimeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UtcTimestampsTest {
    private final EventTimeReader reader =
            new EventTimeReader("t", EventTimeSpec.Unit.millis, Duration.ofHours(1), "1h");

    @Test
    void readsUtcTimesAsInstantDoes_fractionsOfAnyLengthTruncatedToTheMillisecond() {
        for (String text : List.of("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.1Z", "2024-05-01T12:00:00.12Z",
                "2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00.1239Z", "2024-05-01T12:00:00.123456789Z",
                "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "1900-02-28T23:59:59.5Z", "2000-02-29T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z")) {
            assertEquals(Instant.parse(text).toEpochMilli(), UtcTimestamps.epochMillis(text), text);
        }
        Random random = new Random(15);
        for (int i = 0; i < 10_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_135_596_800L, 253_402_300_799L),
                    random.nextInt(1_000_000_000));
            assertEquals(instant.toEpochMilli(), UtcTimestamps.epochMillis(instant.toString()), instant.toString());
        }
    }

    @Test
    void leavesEveryOtherSpellingToTheFormatter() {
        for (String text : List.of("2024-05-01T14:00:00+02:00", "2024-05-01t12:00:00Z", "2024-05-01T12:00:00z",
                "2024-05-01T12:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00.1234567890Z",
                "2024-05-01 12:00:00Z", "2024-02-30T12:00:00Z", "2023-02-29T12:00:00Z", "2024-13-01T12:00:00Z",
                "2024-00-01T12:00:00Z", "2024-05-00T12:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z",
                "2024-05-01T12:00:60Z", "0000-01-01T00:00:00Z", "+2024-05-01T12:00:00Z", "2024-05-01T12:00:0aZ",
                "2024-05-01T12:00:00.1a3Z", "2024-05-01T12:00:00", "", "Z", "2024-05-01T12:00:00.123Z ")) {
            assertEquals(UtcTimestamps.NOT_READ, UtcTimestamps.epochMillis(text), text);
        }
    }

    /** The reader's answer, a time or a dead letter with its message, is what it was before this fast path. */
    @Test
    void theEventTimeReaderAcceptsAndRejectsWhatTheFormatterAloneDid() throws Exception {
        assertEquals(Instant.parse("2024-05-01T12:00:00.123Z").toEpochMilli(), read("2024-05-01T12:00:00.123Z"));
        assertEquals(Instant.parse("2024-05-01T12:00:00Z").toEpochMilli(), read("2024-05-01T14:00:00+02:00"));
        assertEquals(Instant.parse("2024-05-01T12:00:00Z").toEpochMilli(), read("2024-05-01T12:00Z"));
        for (String text : List.of("2024-02-30T12:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:60Z",
                "2024-05-01T12:00:00", "0000-01-01T00:00:00Z", "2024-05-01T12:00:00.1a3Z")) {
            RecordRejected rejected = org.junit.jupiter.api.Assertions.assertThrows(RecordRejected.class,
                    () -> read(text), text);
            assertEquals(DeadLetterReason.bad_event_time, rejected.reason(), text);
        }
    }

    private long read(String text) throws RecordRejected {
        return reader.read(Map.of("t", text), 0, EventTimeReader.MAX_MILLIS);
    }
}

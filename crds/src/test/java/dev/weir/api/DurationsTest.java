package dev.weir.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void parsesTheGoForm() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
        assertEquals(Duration.ofNanos(1_002_003), Durations.parse("1ms2us3ns"));
        assertEquals(Duration.ofNanos(1_000), Durations.parse("1µs"));
        assertEquals(Duration.ofHours(48), Durations.parse("48h"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "0", "-5s", "+5s", "5 s", "1d", "1h 30m", "s", "1.s", ".5s", "10M", "PT10S", "1h-30m"})
    void refusesAnythingElseAndShowsTheAcceptedForm(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("invalid duration \"" + text + "\": use a number with a unit, e.g. 500ms, 30s"),
                e.getMessage());
    }

    @Test
    void refusesNull() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
        assertTrue(e.getMessage().startsWith("no duration: use a number with a unit"), e.getMessage());
    }

    @Test
    void refusesADurationTooLongForJava() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("99999999999999999999999h"));
        assertEquals("invalid duration \"99999999999999999999999h\": too long", e.getMessage());
    }
}

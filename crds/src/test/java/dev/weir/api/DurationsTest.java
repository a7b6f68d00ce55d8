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

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999999h", "9999999999999h", "876001h", "876000h1ns", "52560000m1s"})
    void refusesADurationOverAHundredYears(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("invalid duration \"" + text + "\": too long, at most 876000h (100 years)", e.getMessage());
    }

    @Test
    void formatsWithoutZeroParts() {
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("2ms", Durations.format(Duration.ofMillis(2)));
        assertEquals("1500ns", Durations.format(Duration.ofNanos(1500)));
        assertEquals("3.6s", Durations.format(Duration.ofMillis(3600)));
        assertEquals("1h56m40s", Durations.format(Duration.ofSeconds(7000)));
        assertEquals("2h", Durations.format(Duration.ofHours(2)));
        assertEquals("876000h", Durations.format(Durations.MAX));
        for (String text : new String[] {"1h0.001s", "59m59.999999999s", "1ms"}) {
            assertEquals(Durations.parse(text), Durations.parse(Durations.format(Durations.parse(text))), text);
        }
    }

    @Test
    void aHundredYearsIsTheLongest() {
        assertEquals(Duration.ofDays(36_500), Durations.parse("876000h"));
        assertEquals(Duration.ofDays(36_500), Durations.MAX);
    }
}

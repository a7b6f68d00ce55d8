package dev.weir.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Readings of {@code examples/sensor-aggregates.yaml} (°F in, °C windows of 10 minutes out) and the windows that job
 * writes for them, for the scenarios that run the example.
 */
final class SensorReadings {
    static final Path EXAMPLE = Path.of("..", "examples", "sensor-aggregates.yaml");
    private static final Instant BASE = Instant.parse("2024-05-01T12:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(10);

    private SensorReadings() {
    }

    /** A reading of {@code sensor} {@code intoWindow} into the tumbling window {@code window}. */
    static String reading(String sensor, int window, Duration intoWindow, double fahrenheit) {
        Instant time = BASE.plus(WINDOW.multipliedBy(window)).plus(intoWindow);
        return "{\"sensor_id\":\"%s\",\"event_time\":\"%s\",\"temperature\":%s}".formatted(sensor, time, fahrenheit);
    }

    /** The window the example writes for these readings of a sensor in the window {@code index}. */
    static Map<String, Object> window(String sensor, int index, List<Double> fahrenheit) {
        List<Double> celsius = fahrenheit.stream().map(f -> (f - 32.0) * 5.0 / 9.0).toList();
        Instant start = BASE.plus(WINDOW.multipliedBy(index));
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("sensor_id", sensor);
        window.put("window_start", start.toString());
        window.put("window_end", start.plus(WINDOW).toString());
        window.put("avg_c", celsius.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        window.put("min_c", celsius.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        window.put("max_c", celsius.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        window.put("readings", (long) celsius.size());
        return window;
    }
}

package dev.weir.e2e;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Numbered events for the autoscaling job ({@code count()} and {@code sum(v)} per key per tumbling window) and the
 * windows it must emit for them: event {@code i} has key {@code k<i % keys>}, value {@code i} and an event time
 * {@code i × spacing} after a window-aligned start. With as many keys as partitions, written round-robin, each
 * partition holds one key.
 */
final class CountedEvents {
    static final String KEY = "k";
    static final String TIME = "t";
    static final String VALUE = "v";

    private final int keys;
    private final long startMillis;
    private final long spacingMillis;
    private final long windowMillis;
    private final Map<String, Map<String, Object>> expected = new TreeMap<>();

    CountedEvents(int keys, long spacingMillis, long windowMillis, Instant notBefore) {
        this.keys = keys;
        this.spacingMillis = spacingMillis;
        this.windowMillis = windowMillis;
        this.startMillis = notBefore.toEpochMilli() - notBefore.toEpochMilli() % windowMillis;
    }

    /** Where event time starts: the start of the first window. */
    long startMillis() {
        return startMillis;
    }

    /** Events {@code from}…{@code from + count - 1} as JSON, in order; their windows join the expected ones. */
    List<String> events(int from, int count) {
        List<String> events = new ArrayList<>();
        for (long i = from; i < from + count; i++) {
            long time = startMillis + i * spacingMillis;
            String key = KEY + (i % keys);
            events.add("{\"%s\":\"%s\",\"%s\":%d,\"%s\":%d}".formatted(KEY, key, TIME, time, VALUE, i));
            long windowStart = time - time % windowMillis;
            Map<String, Object> window = expected.computeIfAbsent(key + "@" + windowStart, id -> {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put(KEY, key);
                w.put("window_start", Instant.ofEpochMilli(windowStart).toString());
                w.put("window_end", Instant.ofEpochMilli(windowStart + windowMillis).toString());
                w.put("n", 0L);
                w.put("total", 0L);
                return w;
            });
            window.put("n", (Long) window.get("n") + 1);
            window.put("total", (Long) window.get("total") + i);
        }
        return events;
    }

    /** Every window of the events made so far, once. */
    List<Map<String, Object>> expectedWindows() {
        return new ArrayList<>(expected.values());
    }
}

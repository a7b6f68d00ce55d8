package dev.weir.runtime.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.pipeline.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir run --input … --traces FILE} writes the job's spans as JSON lines, no collector needed: every record of
 * the sensor example has a process span, and each is accounted for by exactly one outcome — linked from the span of
 * the window it went into, parent of its dead letter's span, or marked filtered.
 */
class TracesFileIT {
    private static final Path EXAMPLE = WeirCommandLineIT.EXAMPLES.resolve("sensor-aggregates.yaml");
    private static final Path INPUT = WeirCommandLineIT.EXAMPLES.resolve("data/sensor-readings.jsonl");

    @TempDir
    Path tmp;

    @Test
    void everyRecordsTraceEndsInItsWindowItsDeadLetterOrTheFilter() throws Exception {
        Path traces = tmp.resolve("traces.jsonl");
        Path out = tmp.resolve("out.jsonl");
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 180, "run", EXAMPLE.toString(), "--input", INPUT.toString(),
                "--output", out.toString(), "--traces", traces.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<Map<String, Object>> spans = new ArrayList<>();
        for (String line : Files.readAllLines(traces)) {
            spans.add(Json.parseObject(line));
        }
        String context = "\nspans:\n" + String.join("\n", Files.readAllLines(traces));

        List<Map<String, Object>> processes = named(spans, "process sensor-readings");
        long records = Files.readAllLines(INPUT).stream().filter(l -> !l.isBlank()).count();
        assertEquals(records, processes.size(), "one process span per record (every record traced)" + context);
        Map<String, Integer> outcomes = new HashMap<>();
        processes.forEach(p -> outcomes.put((String) p.get("spanId"), 0));

        List<Map<String, Object>> windowSpans = named(spans, "window sensor-aggregates");
        List<Map<String, Object>> windows = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            windows.add(Json.parseObject(line));
        }
        assertEquals(windows.size(), windowSpans.size(), "one span per window" + context);
        for (Map<String, Object> window : windows) {
            Map<String, Object> span = windowSpans.stream().filter(s -> window.get("sensor_id").equals(
                    attributes(s).get("weir.window.key")) && window.get("window_start").equals(
                    attributes(s).get("weir.window.start"))).findFirst().orElseThrow(
                    () -> new AssertionError("no span of " + window + context));
            List<Map<String, Object>> links = list(span.get("links"));
            assertEquals(window.get("readings"), (long) links.size(), "the window links each of its records");
            assertEquals(window.get("readings"), attributes(span).get("weir.window.traced_inputs"));
            links.forEach(l -> outcomes.merge((String) l.get("spanId"), 1, Integer::sum));
        }

        List<Map<String, Object>> deadLetters = named(spans, "dead_letter sensor-readings-dlq");
        Set<String> reasons = new HashSet<>();
        for (Map<String, Object> d : deadLetters) {
            assertEquals("ERROR", ((Map<?, ?>) d.get("status")).get("code"));
            assertTrue(outcomes.containsKey((String) d.get("parentSpanId")), "under its record's span: " + d);
            outcomes.merge((String) d.get("parentSpanId"), 1, Integer::sum);
            reasons.add((String) attributes(d).get("error.type"));
        }
        assertEquals(Set.of("late", "malformed", "bad_event_time", "missing_key", "expression_error"), reasons);
        for (Map<String, Object> p : processes) {
            if (list(p.get("events")).stream().anyMatch(e -> "weir.filtered".equals(e.get("name")))) {
                outcomes.merge((String) p.get("spanId"), 1, Integer::sum);
            }
        }
        assertFalse(outcomes.isEmpty());
        outcomes.forEach((span, n) -> assertEquals(1, n, "outcomes of process span " + span + context));
        assertEquals("sensor-aggregates", ((Map<?, ?>) processes.get(0).get("resource")).get("service.name"));
    }

    @Test
    void tracesNeedAnInputFile() throws Exception {
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 60, "run", EXAMPLE.toString(), "--traces",
                tmp.resolve("t.jsonl").toString());
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--traces need --input") && r.stderr().contains("usage: weir run"),
                r.stderr());
    }

    private static List<Map<String, Object>> named(List<Map<String, Object>> spans, String name) {
        return spans.stream().filter(s -> name.equals(s.get("name"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Map<String, Object> span) {
        return (Map<String, Object>) span.get("attributes");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }
}

package dev.weir.runtime.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weir run --input} in this JVM, on input a hostile user would write: every line is accounted for. */
class LocalRunIT {
    private static final long BASE = 1_714_564_800_000L; // 2024-05-01T12:00:00Z
    private static final String JOB = """
            apiVersion: weir.dev/v1alpha1
            kind: StreamJob
            metadata: {name: local-run-it}
            spec:
              source: {kafka: {bootstrapServers: "localhost:9092", topic: in}}
              eventTime: {field: t}
              pipeline:
                - filter: "k != 'skip'"
                - window: {keyBy: k, tumbling: 1m, aggregate: {n: count(), total: sum(v)}}
              sink: {kafka: {topic: out}}
              deadLetter: {kafka: {topic: dlq}}
            """;

    @TempDir
    Path tmp;

    record Run(int exitCode, List<Map<String, Object>> windows, List<Map<String, Object>> deadLetters, String stderr) {}

    private Run run(byte[] input, boolean keepDeadLetters) throws Exception {
        StreamJob job = JobFiles.readString(JOB, "local-run-it.yaml");
        Path in = tmp.resolve("in.jsonl");
        Files.write(in, input);
        Path out = tmp.resolve("out.jsonl");
        Path dead = keepDeadLetters ? tmp.resolve("dead.jsonl") : null;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new LocalRun(job, in, out, dead, null, errStream).run();
        }
        return new Run(code, read(out), dead == null ? List.of() : read(dead), err.toString(StandardCharsets.UTF_8));
    }

    private static List<Map<String, Object>> read(Path file) throws Exception {
        List<Map<String, Object>> records = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                records.add(Json.parseObject(line));
            }
        }
        return records;
    }

    private static String good(String key, long secondsIn, long v) {
        return "{\"k\":\"" + key + "\",\"t\":" + (BASE + secondsIn * 1000) + ",\"v\":" + v + "}";
    }

    private static byte[] lines(Object... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Object part : parts) {
            b.writeBytes(part instanceof byte[] bytes ? bytes : ((String) part).getBytes(StandardCharsets.UTF_8));
            b.write('\n');
        }
        return b.toByteArray();
    }

    private static List<String> reasonsAtOffsets(Run r) {
        return r.deadLetters().stream().map(d -> d.get("reason") + "@" + ((Map<?, ?>) d.get("source")).get("offset"))
                .sorted().toList();
    }

    private static long counted(Run r) {
        return r.windows().stream().mapToLong(w -> ((Number) w.get("n")).longValue()).sum();
    }

    @Test
    void lineOverTheSizeLimitIsDeadLettered_notDropped() throws Exception {
        String huge = "{\"k\":\"a\",\"t\":" + BASE + ",\"v\":1,\"pad\":\"" + "x".repeat(5_000_000) + "\"}";
        Run r = run(lines(good("a", 1, 1), huge, good("a", 2, 1)), true);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(2, counted(r), r.windows().toString());
        assertEquals(List.of("too_large@1"), reasonsAtOffsets(r));
        Map<String, Object> dead = r.deadLetters().get(0);
        assertEquals(true, dead.get("truncated"));
        assertEquals((long) huge.length(), ((Number) dead.get("record_bytes")).longValue());
        assertTrue(huge.startsWith((String) dead.get("record")), "a prefix of the line");
    }

    @Test
    void malformedLineWhoseDeadLetterWouldBeTooLarge_isTruncated_andTheRunGoesOn() throws Exception {
        // 660 KB of quotes: the dead letter's JSON escapes each one, 1.3 MB in all
        String quotes = "\"".repeat(660_000);
        Run r = run(lines(good("a", 1, 1), quotes, good("a", 2, 1)), true);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(2, counted(r), r.windows().toString());
        assertEquals(List.of("malformed@1"), reasonsAtOffsets(r));
        Map<String, Object> dead = r.deadLetters().get(0);
        assertEquals(true, dead.get("truncated"));
        assertEquals(660_000L, ((Number) dead.get("record_bytes")).longValue());
        assertTrue(((String) dead.get("record")).length() > 300_000, "as much as fits");
    }

    @Test
    void invalidUtf8LineIsMalformedWithItsBytes_andOtherLinesAreUnaffected() throws Exception {
        byte[] bad = {'{', '"', 'k', '"', ':', '"', (byte) 0xc3, '"', '}'};
        Run r = run(lines(good("a", 1, 1), bad, good("a", 2, 1), "{\"k\":\"é\",\"t\":" + BASE + ",\"v\":1}"), true);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of("a:2", "é:1"), r.windows().stream().map(w -> w.get("k") + ":" + w.get("n")).sorted().toList());
        assertEquals(List.of("malformed@1"), reasonsAtOffsets(r));
        assertArrayEquals(bad, Base64.getDecoder().decode((String) r.deadLetters().get(0).get("record_base64")));
    }

    @Test
    void blankLinesAreDeadLettered_carriageReturnsSplitNothing_andOffsetsAreLineNumbersMinusOne() throws Exception {
        byte[] input = lines(good("a", 1, 1), "", "  \t", good("a", 2, 1) + "\r",
                "{\"k\":\"a\",\r\"t\":" + (BASE + 3000) + ",\"v\":1}", good("skip", 4, 1));
        Run r = run(input, true);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of("a:3"), r.windows().stream().map(w -> w.get("k") + ":" + w.get("n")).toList());
        assertEquals(List.of("malformed@1", "malformed@2"), reasonsAtOffsets(r));
        assertTrue(String.valueOf(r.deadLetters().get(0).get("message")).contains("empty"), r.deadLetters().toString());
        assertTrue(r.stderr().contains("6 records in = 3 into windows + 1 filtered + 2 dead letters (malformed 2)"),
                r.stderr());
    }

    @Test
    void deadLettersWithoutAFileAreCountedAndTheFixIsSaid() throws Exception {
        Run r = run(lines(good("a", 1, 1), "nonsense", "{\"k\":\"a\"}", good("a", 2, 1)), false);
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("2 dead letters discarded") && r.stderr().contains("--dead-letter FILE"),
                r.stderr());
    }
}

package dev.weir.runtime.local;

import static dev.weir.runtime.contract.WindowAssertions.assertSameWindows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.JobFiles;
import dev.weir.runtime.contract.ReferenceWindows;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of generated records, good ones mixed with one of every hostile kind, through {@code weir run}: every
 * line is accounted for (records in = counted in windows + filtered + dead letters, by reason and offset), the run
 * ends with exit 0, and every good record's contribution is in the windows a plain reference computes.
 */
class HostileInputIT {
    private static final long BASE = 1_714_564_800_000L; // 2024-05-01T12:00:00Z
    private static final long LATENESS = 10_000;
    private static final String JOB = """
            apiVersion: weir.dev/v1alpha1
            kind: StreamJob
            metadata: {name: hostile-input}
            spec:
              source: {kafka: {bootstrapServers: "localhost:9092", topic: in}}
              eventTime: {field: t}
              pipeline:
                - filter: "k != 'skip'"
                - window:
                    keyBy: k
                    tumbling: 1m
                    allowedLateness: 10s
                    aggregate: {n: count(), total: sum(v), lo: min(v), hi: max(v), mean: avg(v)}
              sink: {kafka: {topic: out}}
              deadLetter: {kafka: {topic: dlq}}
            """;
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) records in = (\\d+) into windows \\+ (\\d+) filtered \\+ (\\d+) dead letters");

    @TempDir
    Path tmp;

    /** The input being built: its lines, what each should become, and the good records for the reference. */
    private static final class Input {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Map<Long, String> expectedDeadLetters = new TreeMap<>();
        final Map<Long, byte[]> lineBytes = new TreeMap<>();
        final List<ReferenceWindows.Event> good = new ArrayList<>();
        long filtered;
        long lines;
        /** The largest event time read so far: hostile records with a time use it, so they move no watermark. */
        long maxTime = BASE;

        void line(byte[] line, String ending) {
            lineBytes.put(lines, line);
            bytes.writeBytes(line);
            bytes.writeBytes(ending.getBytes(StandardCharsets.US_ASCII));
            lines++;
        }

        void line(String line) {
            line(line.getBytes(StandardCharsets.UTF_8), "\n");
        }

        void bad(String reason, String line) {
            expectedDeadLetters.put(lines, reason);
            line(line);
        }

        void bad(String reason, byte[] line) {
            expectedDeadLetters.put(lines, reason);
            line(line, "\n");
        }
    }

    private static String goodTime(Random random, long t) {
        String iso = Instant.ofEpochMilli(t).toString();
        return switch (random.nextInt(6)) {
            case 0 -> "\"" + iso + "\"";
            case 1 -> "\"" + DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxx")
                    .format(Instant.ofEpochMilli(t).atOffset(ZoneOffset.ofHours(2))) + "\"";
            case 2 -> "\"" + DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxxx")
                    .format(Instant.ofEpochMilli(t).atOffset(ZoneOffset.ofHours(-5))) + "\"";
            case 3 -> "\"" + t + "\"";
            default -> Long.toString(t);
        };
    }

    /** A good record, in one of the forms a record may take; its value counts in the reference. */
    private static void good(Input in, Random random, String key, long t, Object value) {
        // a null value and an absent field are both skipped
        String v = value != null ? ",\"v\":" + value : random.nextBoolean() ? "" : ",\"v\":null";
        String json = "{\"k\":\"" + key + "\",\"t\":" + goodTime(random, t) + v + "}";
        in.good.add(new ReferenceWindows.Event(key, t, value == null ? null : ((Number) value).doubleValue(), in.lines));
        in.maxTime = Math.max(in.maxTime, t);
        switch (random.nextInt(10)) {
            case 0 -> in.line(json.getBytes(StandardCharsets.UTF_8), "\r\n");
            case 1 -> in.line(json.replace(",\"t\"", ",\r\"t\"").getBytes(StandardCharsets.UTF_8), "\n");
            default -> in.line(json);
        }
    }

    private static byte[] concat(String before, byte[] middle, String after) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(middle);
        b.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    /** One record of every hostile kind, its expected dead-letter reason (or filtered). */
    private static void hostile(Input in, Random random, int kind) {
        long t = in.maxTime;
        String k = "\"k\":\"k" + random.nextInt(5) + "\"";
        switch (kind) {
            case 0 -> in.bad("malformed", "not json at all");
            case 1 -> in.bad("malformed", "[1,2,3]");
            case 2 -> in.bad("malformed", "{" + k + ",\"t\":" + t);
            case 3 -> in.bad("malformed", "");
            case 4 -> in.bad("malformed", "  \t ");
            case 5 -> in.bad("malformed", "[".repeat(5000));
            case 6 -> in.bad("malformed", concat("{" + k + ",\"t\":" + t + ",\"s\":\"", new byte[] {(byte) 0xff,
                    (byte) 0xc3, 0x28}, "\"}"));
            case 7 -> in.bad("malformed", "{" + k + ",\"t\":" + t + ",\"v\":1e400}");
            case 8 -> in.bad("malformed", "{" + k + ",\"t\":" + t + ",\"v\":123456789012345678901234567890}");
            case 9 -> in.bad("malformed", "{" + k + ",\"t\":" + t + ",\"s\":\"a\rb\"}");
            case 10 -> in.bad("bad_event_time", "{" + k + ",\"v\":1}");
            case 11 -> in.bad("bad_event_time", "{" + k + ",\"t\":\"yesterday\",\"v\":1}");
            case 12 -> in.bad("bad_event_time", "{" + k + ",\"t\":1e300,\"v\":1}");
            case 13 -> in.bad("bad_event_time", "{" + k + ",\"t\":9223372036854775807,\"v\":1}");
            case 14 -> in.bad("bad_event_time", "{" + k + ",\"t\":-9223372036854775808,\"v\":1}");
            case 15 -> in.bad("bad_event_time", "{" + k + ",\"t\":\"+999999999-12-31T23:59:59Z\",\"v\":1}");
            case 16 -> in.bad("bad_event_time", "{" + k + ",\"t\":\"9999-06-01T00:00:00Z\",\"v\":1}");
            case 17 -> in.bad("bad_event_time", "{" + k + ",\"t\":\"2024-05-01T12:00:00\",\"v\":1}");
            case 18 -> in.bad("bad_event_time", "{" + k + ",\"t\":" + t + ".5,\"v\":1}");
            case 19 -> in.bad("expression_error", "{" + k + ",\"t\":" + t + ",\"v\":\"hot\"}");
            case 20 -> in.bad("expression_error", "{\"t\":" + t + ",\"v\":1}");
            case 21 -> in.bad("missing_key", "{\"k\":null,\"t\":" + t + ",\"v\":1}");
            case 22 -> {
                in.filtered++;
                in.line("{\"k\":\"skip\",\"t\":" + t + ",\"v\":1}");
            }
            default -> throw new IllegalArgumentException("kind " + kind);
        }
    }

    private static final int KINDS = 23;

    private Input generate(long seed, int count) {
        Random random = new Random(seed);
        Input in = new Input();
        long cursor = BASE;
        for (int i = 0; i < count; i++) {
            if (random.nextInt(4) == 0) {
                hostile(in, random, random.nextInt(KINDS));
                continue;
            }
            cursor += random.nextInt(3) * 1000L;
            // one in ten behind the newest, some beyond the lateness: late, as the reference decides
            long t = random.nextInt(10) == 0 ? cursor - random.nextLong(30_000) : cursor;
            Object value = switch (random.nextInt(10)) {
                case 0 -> null;
                case 1, 2, 3 -> (long) random.nextInt(1000) - 200;
                default -> Math.round(random.nextDouble() * 10_000) / 100.0;
            };
            good(in, random, "k" + random.nextInt(5), t, value);
        }
        for (int kind = 0; kind < KINDS; kind++) {
            hostile(in, random, kind);
        }
        long t = in.maxTime;
        // integers stay exact past 2^53, and a sum that would leave 64 bits refuses the record that would do it
        good(in, random, "exact", t, 1L << 53);
        good(in, random, "exact", t, 1L);
        good(in, random, "big", t, 1L << 62);
        in.bad("expression_error", "{\"k\":\"big\",\"t\":" + t + ",\"v\":" + (1L << 62) + "}");
        // larger than a Kafka record: dead-lettered with its first bytes; a malformed line whose escaped copy is
        in.bad("too_large", "{\"k\":\"k1\",\"t\":" + t + ",\"v\":1,\"pad\":\"" + "x".repeat(1_500_000) + "\"}");
        in.bad("malformed", "\"".repeat(700_000));
        good(in, random, "k1", t, 1L);
        return in;
    }

    @Test
    void everyRecordIsAccountedFor_andEveryGoodOneCounts() throws Exception {
        Input in = generate(11, 3000);
        Path input = tmp.resolve("in.jsonl");
        Files.write(input, in.bytes.toByteArray());
        Path out = tmp.resolve("out.jsonl");
        Path dead = tmp.resolve("dead.jsonl");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new LocalRun(JobFiles.readString(JOB, "hostile.yaml"), input, out, dead, null, errStream).run();
        }
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, stderr);
        List<Map<String, Object>> windows = read(out);
        List<Map<String, Object>> deadLetters = read(dead);

        ReferenceWindows.Result expected = ReferenceWindows.run(in.good, "tumbling", 60_000, 60_000, LATENESS);
        assertSameWindows(expected.windows(), windows, "k");
        Map<Long, String> expectedReasons = new TreeMap<>(in.expectedDeadLetters);
        expected.lateOffsets().forEach(offset -> expectedReasons.put(offset, "late"));
        Map<Long, String> reasons = deadLetters.stream().collect(Collectors.toMap(HostileInputIT::offset,
                d -> (String) d.get("reason"), (a, b) -> a + "," + b, TreeMap::new));
        assertEquals(expectedReasons, reasons, "the dead letters, by offset (= line number - 1)");
        assertTrue(expected.lateOffsets().size() > 10, "the input must exercise lateness");

        long counted = windows.stream().mapToLong(w -> ((Number) w.get("n")).longValue()).sum();
        assertEquals(in.lines, counted + in.filtered + deadLetters.size(), "records in = counted + filtered + dead");
        Matcher summary = SUMMARY.matcher(stderr);
        assertTrue(summary.find(), stderr);
        assertEquals(List.of(in.lines, counted, in.filtered, (long) deadLetters.size()),
                List.of(1, 2, 3, 4).stream().map(g -> Long.parseLong(summary.group(g))).toList(), stderr);

        Function<String, Map<String, Object>> window = key -> windows.stream().filter(w -> key.equals(w.get("k")))
                .findFirst().orElseThrow();
        assertEquals((1L << 53) + 1, window.apply("exact").get("total"), "exact beyond 2^53");
        assertEquals(1L << 62, window.apply("big").get("total"), "the record that would overflow is not in it");
        for (Map<String, Object> d : deadLetters) {
            byte[] original = in.lineBytes.get(offset(d));
            if (d.containsKey("record_base64")) {
                assertArrayEquals(original, Base64.getDecoder().decode((String) d.get("record_base64")));
            } else if (Boolean.TRUE.equals(d.get("truncated"))) {
                assertEquals((long) original.length, ((Number) d.get("record_bytes")).longValue());
                assertTrue(new String(original, StandardCharsets.UTF_8).startsWith((String) d.get("record")));
            } else {
                assertEquals(new String(original, StandardCharsets.UTF_8), d.get("record"), "the line as it was");
            }
        }
    }

    private static long offset(Map<String, Object> deadLetter) {
        return ((Number) ((Map<?, ?>) deadLetter.get("source")).get("offset")).longValue();
    }

    private static List<Map<String, Object>> read(Path file) throws Exception {
        List<Map<String, Object>> records = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            records.add(Json.parseObject(line));
        }
        return records;
    }
}

package dev.weir.runtime.kafka;

import static dev.weir.runtime.kafka.WindowSemanticsIT.event;
import static dev.weir.runtime.kafka.WindowSemanticsIT.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.testing.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Records built to break a job, through the Kafka Streams topology as a pod runs it: each is processed or
 * dead-lettered with a reason, and none stops the job or moves the watermark where it should not.
 */
@ExtendWith(KafkaBroker.class)
class HostileRecordsIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final long SECOND = 1000;
    private static final long BASE = 1_714_564_800_000L; // 2024-05-01T12:00:00Z
    /** The producers' default max.request.size, which Kafka Streams' producer has too. */
    private static final int MAX_REQUEST_SIZE = 1024 * 1024;

    private static String windowJob(int lateness) {
        return WindowSemanticsIT.job("tumbling: 1m", lateness + "s");
    }

    private static List<String> windows(JobHarness h) {
        return h.sinkRecords().stream().map(r -> r.get("k") + "@" + r.get("window_start") + " n=" + r.get("n")).toList();
    }

    private static List<Object> reasons(JobHarness h) {
        return h.deadLetters().stream().map(d -> d.get("reason")).toList();
    }

    @Test
    void eventTimesAtTheEdgeOfLongAreBadEventTimes_andDoNotEndTheInput(KafkaBroker kafka) throws Exception {
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0,
                    event("a", BASE + SECOND, 1.0),
                    "{\"k\":\"a\",\"t\":9223372036854775807,\"v\":1.0}",
                    "{\"k\":\"a\",\"t\":1e300,\"v\":1.0}",
                    "{\"k\":\"a\",\"t\":-9223372036854775808,\"v\":1.0}",
                    "{\"k\":\"a\",\"t\":-1e300,\"v\":1.0}",
                    "{\"k\":\"a\",\"t\":\"+999999999-12-31T23:59:59Z\",\"v\":1.0}",
                    event("a", BASE + 2 * SECOND, 1.0),
                    event("a", BASE + 61 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2", "a@2024-05-01T12:01:00Z n=1"), windows(h));
            assertEquals(List.of("bad_event_time", "bad_event_time", "bad_event_time", "bad_event_time",
                    "bad_event_time"), reasons(h));
            String message = String.valueOf(h.deadLetters().get(0).get("message"));
            assertTrue(message.contains("9223372036854775807") && message.contains("0001-01-01T00:00:00Z")
                    && message.contains("9999-12-31T23:59:59.999Z"), "names the value and the range: " + message);
        }
    }

    @Test
    void farFutureEventTimeDoesNotMoveTheWatermark_onePartition(KafkaBroker kafka) throws Exception {
        long dayAhead = System.currentTimeMillis() + 24 * 3600 * SECOND;
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0,
                    event("a", BASE + SECOND, 1.0),
                    "{\"k\":\"a\",\"t\":\"9999-01-01T00:00:00Z\",\"v\":1.0}",
                    event("a", dayAhead, 1.0),
                    event("a", BASE + 2 * SECOND, 1.0),
                    event("a", BASE + 70 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2", "a@2024-05-01T12:01:00Z n=1"), windows(h));
            assertEquals(List.of("bad_event_time", "bad_event_time"), reasons(h));
            String message = String.valueOf(h.deadLetters().get(0).get("message"));
            assertTrue(message.contains("9999-01-01T00:00:00Z") && message.contains("spec.eventTime.maxAhead"),
                    "names the value and the field that sets the bound: " + message);
        }
    }

    @Test
    void farFutureEventTimeDoesNotMoveTheWatermark_twoPartitions(KafkaBroker kafka) throws Exception {
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 2, null).start()) {
            h.send(0,
                    event("a", BASE + SECOND, 1.0),
                    "{\"k\":\"b\",\"t\":253402300799999,\"v\":1.0}",
                    event("b", BASE + 3 * SECOND, 1.0),
                    event("a", BASE + 65 * SECOND, 1.0));
            h.send(1,
                    event("b", BASE + 2 * SECOND, 1.0),
                    "{\"k\":\"a\",\"t\":\"9999-12-31T23:59:59Z\",\"v\":1.0}",
                    event("a", BASE + 4 * SECOND, 1.0),
                    event("b", BASE + 66 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2", "a@2024-05-01T12:01:00Z n=1",
                            "b@2024-05-01T12:00:00Z n=2", "b@2024-05-01T12:01:00Z n=1"),
                    windows(h).stream().sorted().toList());
            assertEquals(List.of("bad_event_time", "bad_event_time"), reasons(h));
        }
    }

    @Test
    void deadLetterTooLargeForTheTopicCarriesATruncatedPayload(KafkaBroker kafka) throws Exception {
        // 300 KB of a control character: not JSON, and six bytes each once JSON-escaped in the dead letter
        byte[] hostile = new byte[300_000];
        Arrays.fill(hostile, (byte) 1);
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0, event("a", BASE + SECOND, 1.0));
            h.sendBytes(0, hostile);
            h.send(0, event("a", BASE + 2 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2"), windows(h));
            assertEquals(List.of("malformed"), reasons(h));
            Map<String, Object> dead = h.deadLetters().get(0);
            assertEquals(true, dead.get("truncated"));
            assertEquals(300_000L, ((Number) dead.get("record_bytes")).longValue());
            String kept = (String) dead.get("record");
            assertTrue(kept.length() > 100_000 && kept.chars().allMatch(c -> c == 1),
                    "as much of the payload as fits: " + kept.length() + " characters");
            assertEquals(1L, ((Number) source(dead).get("offset")).longValue());
        }
    }

    @Test
    void deadLetterOfARecordWhoseOwnKeyLeavesNoRoomGoesWithoutThatKey(KafkaBroker kafka) throws Exception {
        byte[] key = new byte[MAX_REQUEST_SIZE - 300];
        Arrays.fill(key, (byte) 'k');
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0, event("a", BASE + SECOND, 1.0));
            h.sendKeyed(0, key, "{oops".getBytes(StandardCharsets.UTF_8));
            h.send(0, event("a", BASE + 2 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2"), windows(h));
            assertEquals(List.of("malformed"), reasons(h));
            assertEquals("{oops", h.deadLetters().get(0).get("record"));
        }
    }

    @Test
    void recordAtTheSizeLimitStillReachesItsWindow(KafkaBroker kafka) throws Exception {
        // 100 bytes under the producer's limit, where the keyed topic's envelope adds a few dozen
        String start = "{\"k\":\"a\",\"t\":" + (BASE + 2 * SECOND) + ",\"v\":1.0,\"pad\":\"";
        String big = start + "x".repeat(MAX_REQUEST_SIZE - 100 - start.length() - 2) + "\"}";
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0, event("a", BASE + SECOND, 1.0));
            h.sendBytes(0, big.getBytes(StandardCharsets.UTF_8));
            h.send(0, event("a", BASE + 3 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=3"), windows(h));
            assertEquals(List.of(), reasons(h));
        }
    }

    @Test
    void keyTooLargeForTheWindowStateIsTooLarge(KafkaBroker kafka) throws Exception {
        // a key of 250 bytes under the limit: the keyed topic takes it with a payload cut to nothing, the record of
        // its window in the state's changelog (key, window start and end, five accumulators) is over the limit
        String start = "{\"t\":" + (BASE + 2 * SECOND) + ",\"v\":1.0,\"k\":\"";
        String big = start + "k".repeat(MAX_REQUEST_SIZE - 252) + "\"}";
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0, event("a", BASE + SECOND, 1.0));
            h.sendBytes(0, big.getBytes(StandardCharsets.UTF_8));
            h.send(0, event("a", BASE + 3 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2"), windows(h));
            assertEquals(List.of("too_large"), reasons(h));
            String message = String.valueOf(h.deadLetters().get(0).get("message"));
            assertTrue(message.contains("key field 'k'"), message);
        }
    }

    @Test
    void sinkRecordTooLargeGoesToTheDeadLetter(KafkaBroker kafka) throws Exception {
        String yaml = """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: ${NAME}}
                spec:
                  source: {kafka: {bootstrapServers: "${BOOTSTRAP}", topic: ${SOURCE}}}
                  eventTime: {field: t}
                  pipeline:
                    - map: {k: "k", big: "s + s + s + s"}
                  sink: {kafka: {topic: ${SINK}}}
                  deadLetter: {kafka: {topic: ${DLQ}}}
                """;
        String big = "{\"k\":\"a\",\"t\":" + BASE + ",\"s\":\"" + "y".repeat(300_000) + "\"}";
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), yaml, 1, null).start()) {
            h.send(0, "{\"k\":\"a\",\"t\":" + BASE + ",\"s\":\"z\"}", big, "{\"k\":\"b\",\"t\":" + BASE + ",\"s\":\"z\"}");
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a", "b"), h.sinkRecords().stream().map(r -> r.get("k")).toList());
            assertEquals(List.of("too_large"), reasons(h));
            Map<String, Object> dead = h.deadLetters().get(0);
            assertEquals(big, dead.get("record"), "the input record, which fits, whole");
            assertTrue(String.valueOf(dead.get("message")).contains("1200"), "says how large: " + dead.get("message"));
        }
    }

    @Test
    void invalidUtf8IsMalformed_withItsBytesKept(KafkaBroker kafka) throws Exception {
        ByteArrayOutputStream bad = new ByteArrayOutputStream();
        bad.writeBytes(("{\"k\":\"a\",\"t\":" + (BASE + 2 * SECOND) + ",\"v\":1.0,\"s\":\"").getBytes(StandardCharsets.UTF_8));
        bad.writeBytes(new byte[] {(byte) 0xff, (byte) 0xc3, 0x28, (byte) 0xed, (byte) 0xa0, (byte) 0x80});
        bad.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
        byte[] badBytes = bad.toByteArray();
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), windowJob(0), 1, null).start()) {
            h.send(0, event("a", BASE + SECOND, 1.0));
            h.sendBytes(0, badBytes);
            h.send(0, event("a", BASE + 3 * SECOND, 1.0));
            h.endInput();
            h.awaitEnd(WAIT);
            assertEquals(List.of("a@2024-05-01T12:00:00Z n=2"), windows(h));
            assertEquals(List.of("malformed"), reasons(h));
            Map<String, Object> dead = h.deadLetters().get(0);
            assertArrayEquals(badBytes, Base64.getDecoder().decode((String) dead.get("record_base64")));
            assertTrue(String.valueOf(dead.get("message")).contains("UTF-8"), String.valueOf(dead.get("message")));
        }
    }
}

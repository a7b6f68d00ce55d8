package dev.weir.runtime.contract;

import static dev.weir.runtime.contract.WindowAssertions.assertSameWindows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The contract's event-time semantics (docs/architecture.md), which every engine must give with the same results:
 * an engine's test extends this class and says how to run a job on it ({@link #open}). Records are sent to numbered
 * source splits (Kafka partitions, Kinesis shards), each in order; the results are compared with a deliberately plain
 * reference implementation ({@link ReferenceWindows}) and with fixed expectations.
 */
public abstract class EngineContract {
    public static final long SECOND = 1000;
    /** 2024-05-01T12:00:00Z. */
    public static final long BASE = 1_714_564_800_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One job running on the engine under test, with a source of its own. */
    public interface Run extends AutoCloseable {
        /** Appends the lines, in order, to split {@code split} (0-based) of the source. */
        void send(int split, List<String> lines) throws Exception;

        /** Ends the input of every split: every window closes. */
        void endInput() throws Exception;

        /** Waits until everything the ended input leads to is in the sink and the dead-letter sink. */
        void awaitEnd(Duration timeout) throws Exception;

        /** Waits until the sink holds at least {@code n} records, and returns them all. */
        List<Map<String, Object>> awaitSinkRecords(int n, Duration timeout) throws Exception;

        List<Map<String, Object>> sinkRecords() throws Exception;

        List<Map<String, Object>> deadLetters() throws Exception;

        /**
         * Asserts that a dead letter's {@code source} says where its record was read: the job's source, split
         * {@code split}, the {@code index}-th record sent to it (0-based).
         */
        void assertPosition(Map<String, Object> deadLetter, int split, int index) throws Exception;
    }

    /**
     * Starts a job on the engine. {@code body} is the spec without source, sink and dead letter (which the engine
     * gives, of its own), indented by two spaces as under {@code spec:}; the source has {@code splits} splits.
     */
    protected abstract Run open(String body, int splits) throws Exception;

    /** How long a run may take to drain: engines differ in start-up (the Kinesis Client Library needs seconds). */
    protected Duration patience() {
        return Duration.ofSeconds(90);
    }

    protected static String windowJob(String shape, String lateness) {
        return """
                  eventTime: {field: t}
                  pipeline:
                    - window:
                        keyBy: k
                        %s
                        allowedLateness: %s
                        aggregate: {n: count(), total: sum(v), lo: min(v), hi: max(v), mean: avg(v)}
                """.formatted(shape, lateness);
    }

    /** An event; {@code i} makes every payload unique, so a dead letter says which event it was. */
    protected static String event(String key, long time, Double value, long i) {
        return "{\"k\":\"" + key + "\",\"t\":" + time + ",\"v\":" + value + ",\"i\":" + i + "}";
    }

    /** Random keys and values, time moving forward with jitter back, some of it beyond the lateness. */
    public static List<ReferenceWindows.Event> generate(long seed, int count, long maxJitter) {
        Random random = new Random(seed);
        List<ReferenceWindows.Event> events = new ArrayList<>();
        long cursor = BASE;
        for (int i = 0; i < count; i++) {
            cursor += random.nextInt(4) * SECOND;
            long t = random.nextInt(10) == 0 ? cursor - random.nextLong(maxJitter) : cursor;
            Double v = random.nextInt(20) == 0 ? null : Math.round(random.nextDouble() * 1000) / 10.0;
            events.add(new ReferenceWindows.Event("k" + random.nextInt(5), t, v, i));
        }
        return events;
    }

    private static List<String> lines(List<ReferenceWindows.Event> events) {
        return events.stream().map(e -> event(e.key(), e.time(), e.value(), e.offset())).toList();
    }

    private static long eventIndex(Map<String, Object> deadLetter) throws Exception {
        Map<String, Object> record = JSON.readValue((String) deadLetter.get("record"), new TypeReference<>() {});
        return ((Number) record.get("i")).longValue();
    }

    private static List<String> reasons(List<Map<String, Object>> deadLetters) {
        return deadLetters.stream().map(d -> (String) d.get("reason")).toList();
    }

    private static List<Map<String, Object>> withReason(List<Map<String, Object>> deadLetters, String reason) {
        return deadLetters.stream().filter(d -> reason.equals(d.get("reason"))).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "tumbling; tumbling: 1m; 60000; 60000",
            "hopping; 'hopping: {size: 1m, advance: 20s}'; 60000; 20000",
            "session; 'session: {gap: 30s}'; 30000; 0"})
    void matchesTheReferenceOnGeneratedOutOfOrderInput(String kind, String shape, long size, long advance)
            throws Exception {
        List<ReferenceWindows.Event> events = generate(kind.hashCode(), 400, 60 * SECOND);
        ReferenceWindows.Result expected = ReferenceWindows.run(events, kind, size, advance, 10 * SECOND);
        try (Run run = open(windowJob(shape, "10s"), 1)) {
            run.send(0, lines(events));
            run.endInput();
            run.awaitEnd(patience());
            assertSameWindows(expected.windows(), run.sinkRecords(), "k");
            Set<Long> late = new TreeSet<>();
            for (Map<String, Object> d : withReason(run.deadLetters(), "late")) {
                late.add(eventIndex(d));
            }
            assertEquals(expected.lateOffsets(), late, "late records");
            assertTrue(late.size() > 0, "the generated input must exercise lateness");
            assertEquals(late.size(), run.deadLetters().size(), "nothing but late records dead-lettered");
        }
    }

    @Test
    void badRecordsGoToTheDeadLetterWithTheirReasonPayloadAndPosition() throws Exception {
        String body = """
                  eventTime: {field: t}
                  pipeline:
                    - filter: "v > 0"
                    - map: {k: "k", v: "v * 2.0"}
                    - window: {keyBy: k, tumbling: 1m, aggregate: {n: count()}}
                """;
        try (Run run = open(body, 1)) {
            run.send(0, List.of(
                    "{\"k\":\"a\",\"t\":" + BASE + ",\"v\":1.5}",
                    "{oops",
                    "[1,2,3]",
                    "{\"k\":\"a\",\"v\":1.0}",
                    "{\"k\":\"a\",\"t\":\"yesterday\",\"v\":1.0}",
                    "{\"k\":\"a\",\"t\":" + BASE + ",\"v\":\"x\"}",
                    "{\"k\":null,\"t\":" + BASE + ",\"v\":2.0}",
                    "{\"t\":" + BASE + ",\"v\":2.0}",
                    "{\"k\":\"a\",\"t\":\"2024-05-01T12:00:30Z\",\"v\":-1.0}"));
            run.endInput();
            run.awaitEnd(patience());
            List<Map<String, Object>> deadLetters = run.deadLetters();
            assertEquals(List.of("malformed", "malformed", "bad_event_time", "bad_event_time", "expression_error",
                    "missing_key", "expression_error"), reasons(deadLetters));
            assertEquals("{oops", deadLetters.get(0).get("record"));
            run.assertPosition(deadLetters.get(0), 0, 1);
            run.assertPosition(deadLetters.get(5), 0, 6);
            assertTrue(String.valueOf(deadLetters.get(4).get("message")).contains("filter"),
                    "the message names the step: " + deadLetters.get(4));
            assertTrue(String.valueOf(deadLetters.get(6).get("message")).contains("k"),
                    "the message names the missing field: " + deadLetters.get(6));
            assertEquals(List.of(Map.of("k", "a", "window_start", "2024-05-01T12:00:00Z",
                    "window_end", "2024-05-01T12:01:00Z", "n", 1L)), run.sinkRecords());
        }
    }

    @Test
    void outOfOrderWithinLatenessCounts_beyondIsLate() throws Exception {
        try (Run run = open(windowJob("tumbling: 1m", "30s"), 1)) {
            run.send(0, List.of(
                    event("a", BASE + 10 * SECOND, 1.0, 0),
                    event("a", BASE + 80 * SECOND, 2.0, 1),
                    event("a", BASE + 50 * SECOND, 4.0, 2),
                    event("a", BASE + 95 * SECOND, 8.0, 3),
                    event("a", BASE + 40 * SECOND, 16.0, 4)));
            run.endInput();
            run.awaitEnd(patience());
            List<Map<String, Object>> windows = run.sinkRecords();
            assertEquals(2, windows.size(), windows.toString());
            assertEquals(5.0, ((Number) windows.get(0).get("total")).doubleValue(), "10s and 50s, not 40s");
            assertEquals(10.0, ((Number) windows.get(1).get("total")).doubleValue());
            List<Map<String, Object>> late = withReason(run.deadLetters(), "late");
            assertEquals(1, late.size());
            assertEquals(event("a", BASE + 40 * SECOND, 16.0, 4), late.get(0).get("record"),
                    "a late record is dead-lettered whole");
            run.assertPosition(late.get(0), 0, 4);
        }
    }

    @Test
    void sessionsMergeOutOfOrderRecords() throws Exception {
        try (Run run = open(windowJob("session: {gap: 30s}", "1m"), 1)) {
            run.send(0, List.of(
                    event("u", BASE, 1.0, 0),
                    event("u", BASE + 50 * SECOND, 1.0, 1),
                    event("u", BASE + 25 * SECOND, 1.0, 2),
                    event("u", BASE + 200 * SECOND, 1.0, 3)));
            run.endInput();
            run.awaitEnd(patience());
            List<Map<String, Object>> sessions = run.sinkRecords();
            assertEquals(List.of("2024-05-01T12:00:00Z", "2024-05-01T12:03:20Z"),
                    sessions.stream().map(r -> r.get("window_start")).toList());
            assertEquals(3L, sessions.get(0).get("n"), "25s bridged 0s and 50s");
            assertEquals("2024-05-01T12:01:20Z", sessions.get(0).get("window_end"));
        }
    }

    @Test
    void anIdleSplitStopsHoldingTheWatermark_andAQuietJobStillClosesItsLastWindow() throws Exception {
        String body = """
                  eventTime: {field: t, idleTimeout: 2s}
                  pipeline:
                    - window:
                        keyBy: k
                        tumbling: 1m
                        aggregate: {n: count()}
                """;
        try (Run run = open(body, 2)) {
            run.send(1, List.of(event("a", BASE + SECOND, 1.0, 0)));
            List<String> busy = new ArrayList<>();
            for (long s = 0; s <= 150; s += 5) {
                busy.add(event("b", BASE + s * SECOND, 1.0, s));
            }
            run.send(0, busy);
            List<Map<String, Object>> out = run.awaitSinkRecords(3, patience());
            assertEquals(Set.of("a@2024-05-01T12:00:00Z", "b@2024-05-01T12:00:00Z", "b@2024-05-01T12:01:00Z"),
                    Set.copyOf(out.stream().map(r -> r.get("k") + "@" + r.get("window_start")).toList()),
                    "split 1 went idle, so split 0's progress closed the first windows");
            run.send(0, List.of(event("b", BASE + 178 * SECOND, 1.0, 178)));
            List<Map<String, Object>> all = run.awaitSinkRecords(4, patience());
            Map<String, Object> last = all.stream().filter(r -> "2024-05-01T12:02:00Z".equals(r.get("window_start")))
                    .findFirst().orElse(null);
            assertNotNull(last, "with every split idle, wall-clock time closed the last window: " + all);
            assertEquals(8L, last.get("n"), "120s..150s every 5s, and 178s");
            assertTrue(run.deadLetters().isEmpty());
        }
    }

    /**
     * A record whose split's own progress says it cannot be late, which an idle advance has made late nonetheless: it
     * is dead-lettered with its whole payload (an engine may leave such a payload out of its shuffle, and must then
     * read it back).
     */
    @Test
    void aRecordForAWindowAnIdleAdvanceClosedIsDeadLetteredWithItsPayload() throws Exception {
        String body = """
                  eventTime: {field: t, idleTimeout: 2s}
                  pipeline:
                    - window: {keyBy: k, tumbling: 1m, allowedLateness: 0s, aggregate: {n: count()}}
                """;
        try (Run run = open(body, 1)) {
            run.send(0, List.of(event("a", BASE + 10 * SECOND, 1.0, 0), event("a", BASE + 119 * SECOND, 1.0, 1)));
            // 12:01:59 closes 12:00's window; once the split is idle, wall-clock time closes 12:01's
            run.awaitSinkRecords(2, patience());
            String late = event("a", BASE + 100 * SECOND, 1.0, 2);
            run.send(0, List.of(late));
            run.endInput();
            run.awaitEnd(patience());
            assertEquals(Set.of("a@2024-05-01T12:00:00Z n=1", "a@2024-05-01T12:01:00Z n=1"),
                    Set.copyOf(run.sinkRecords().stream().map(r -> r.get("k") + "@" + r.get("window_start") + " n="
                            + r.get("n")).toList()));
            List<Map<String, Object>> deadLetters = run.deadLetters();
            assertEquals(1, deadLetters.size(), deadLetters.toString());
            Map<String, Object> deadLetter = deadLetters.get(0);
            assertEquals("late", deadLetter.get("reason"), deadLetter.toString());
            assertEquals(late, deadLetter.get("record"), deadLetter.toString());
            assertEquals(null, deadLetter.get("truncated"), deadLetter.toString());
            run.assertPosition(deadLetter, 0, 2);
        }
    }

    @Test
    void manySplitsInOrderEachMakeNoRecordLate() throws Exception {
        int splits = 4;
        List<ReferenceWindows.Event> all = new ArrayList<>();
        Random random = new Random(7);
        try (Run run = open(windowJob("tumbling: 1m", "0s"), splits)) {
            for (int p = 0; p < splits; p++) {
                List<String> lines = new ArrayList<>();
                // ten minutes of events, in order within each split, keys shared across splits
                for (long t = BASE; t < BASE + 600 * SECOND; t += (1 + random.nextInt(3 + p * 3)) * SECOND) {
                    String key = "s" + random.nextInt(6);
                    double v = random.nextInt(100);
                    lines.add(event(key, t, v, all.size()));
                    all.add(new ReferenceWindows.Event(key, t, v, all.size()));
                }
                run.send(p, lines);
            }
            run.endInput();
            run.awaitEnd(patience().multipliedBy(2));
            assertEquals(List.of(), run.deadLetters(), "no record is late when each split is in order");
            all.sort(java.util.Comparator.comparingLong(ReferenceWindows.Event::time));
            ReferenceWindows.Result expected = ReferenceWindows.run(all, "tumbling", 60_000, 60_000, 0);
            assertTrue(expected.lateOffsets().isEmpty());
            assertSameWindows(expected.windows(), run.sinkRecords(), "k");
        }
    }
}

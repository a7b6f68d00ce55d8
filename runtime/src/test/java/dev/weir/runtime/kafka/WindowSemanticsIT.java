package dev.weir.runtime.kafka;

import static dev.weir.runtime.contract.WindowAssertions.assertSameWindows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.contract.EngineContract;
import dev.weir.runtime.contract.ReferenceWindows;
import dev.weir.runtime.testing.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the Kafka engine gives beyond the engines' shared contract (KafkaEngineContractIT runs that): the SQL forms
 * against the reference implementation, and catch-up after downtime.
 */
@ExtendWith(KafkaBroker.class)
class WindowSemanticsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long SECOND = 1000;
    private static final long BASE = 1_714_564_800_000L; // 2024-05-01T12:00:00Z

    static String job(String shape, String lateness) {
        return """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: ${NAME}}
                spec:
                  source: {kafka: {bootstrapServers: "${BOOTSTRAP}", topic: ${SOURCE}}}
                  eventTime: {field: t}
                  pipeline:
                    - window:
                        keyBy: k
                        %s
                        allowedLateness: %s
                        aggregate: {n: count(), total: sum(v), lo: min(v), hi: max(v), mean: avg(v)}
                  sink: {kafka: {topic: ${SINK}}}
                  deadLetter: {kafka: {topic: ${DLQ}}}
                """.formatted(shape, lateness);
    }

    /** The same job as {@link #job} as a query: FROM and GROUP BY give the window, lateness is the job's. */
    static String sqlJob(String windowColumns, String from, String groupBy, String lateness) {
        return """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: ${NAME}}
                spec:
                  source: {kafka: {bootstrapServers: "${BOOTSTRAP}", topic: ${SOURCE}}}
                  eventTime: {field: t, allowedLateness: %s}
                  sql: |
                    SELECT k, %s,
                           COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean
                    FROM %s
                    GROUP BY %s
                  sink: {kafka: {topic: ${SINK}}}
                  deadLetter: {kafka: {topic: ${DLQ}}}
                """.formatted(lateness, windowColumns, from, groupBy);
    }

    static String event(String key, long time, Double value) {
        return "{\"k\":\"" + key + "\",\"t\":" + time + ",\"v\":" + value + "}";
    }

    /** The same jobs written as Flink SQL, each window form once: table functions and GROUP BY windows. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "tumbling; window_start, window_end; TABLE(TUMBLE(TABLE `${SOURCE}`, DESCRIPTOR(t), INTERVAL '1' MINUTE));"
                    + " window_start, window_end, k; 60000; 60000",
            "hopping; HOP_START(t, INTERVAL '20' SECOND, INTERVAL '1' MINUTE) AS window_start,"
                    + " HOP_END(t, INTERVAL '20' SECOND, INTERVAL '1' MINUTE) AS window_end; `${SOURCE}`;"
                    + " HOP(t, INTERVAL '20' SECOND, INTERVAL '1' MINUTE), k; 60000; 20000",
            "session; window_start, window_end;"
                    + " TABLE(SESSION(TABLE `${SOURCE}` PARTITION BY k, DESCRIPTOR(t), INTERVAL '30' SECONDS));"
                    + " window_start, window_end, k; 30000; 0"})
    void theSqlFormMatchesTheReference(String kind, String windowColumns, String from, String groupBy, long size,
                                       long advance, KafkaBroker kafka) throws Exception {
        assertMatchesTheReference(kind, sqlJob(windowColumns, from, groupBy, "10s"), size, advance, kafka);
    }

    private static void assertMatchesTheReference(String kind, String yaml, long size, long advance,
                                                  KafkaBroker kafka) throws Exception {
        List<ReferenceWindows.Event> events = EngineContract.generate(kind.hashCode(), 400, 60 * SECOND);
        ReferenceWindows.Result expected = ReferenceWindows.run(events, kind, size, advance, 10 * SECOND);
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), yaml, 1, null).start()) {
            h.send(0, events.stream().map(e -> event(e.key(), e.time(), e.value())).toList());
            h.endInput();
            h.awaitEnd(WAIT);
            assertSameWindows(expected.windows(), h.sinkRecords(), "k");
            Set<Long> late = new TreeSet<>();
            h.deadLetters("late").forEach(d -> late.add(((Number) source(d).get("offset")).longValue()));
            assertEquals(expected.lateOffsets(), late, "late records");
            assertTrue(late.size() > 0, "the generated input must exercise lateness");
            assertEquals(late.size(), h.deadLetters().size(), "nothing but late records dead-lettered");
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> source(Map<String, Object> deadLetter) {
        return (Map<String, Object>) deadLetter.get("source");
    }

    @Test
    void catchUpAfterDowntimeMakesNoRecordLate(KafkaBroker kafka) throws Exception {
        int partitions = 4;
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), job("tumbling: 1m", "0s"), partitions,
                Duration.ofMinutes(5))) {
            List<ReferenceWindows.Event> all = new ArrayList<>();
            Random random = new Random(7);
            for (int p = 0; p < partitions; p++) {
                List<String> lines = new ArrayList<>();
                // ten minutes of events, in order within each partition, keys shared across partitions
                for (long t = BASE; t < BASE + 600 * SECOND; t += (1 + random.nextInt(3 + p * 3)) * SECOND) {
                    String key = "s" + random.nextInt(6);
                    double v = random.nextInt(100);
                    lines.add(event(key, t, v));
                    all.add(new ReferenceWindows.Event(key, t, v, 0));
                }
                h.send(p, lines);
            }
            h.start();
            h.endInput();
            h.awaitEnd(Duration.ofSeconds(120));
            assertEquals(List.of(), h.deadLetters(), "no record is late after catch-up");
            all.sort(java.util.Comparator.comparingLong(ReferenceWindows.Event::time));
            ReferenceWindows.Result expected = ReferenceWindows.run(all, "tumbling", 60_000, 60_000, 0);
            assertTrue(expected.lateOffsets().isEmpty());
            assertSameWindows(expected.windows(), h.sinkRecords(), "k");
        }
    }

    /**
     * A pod killed after part of the input ended: the tasks reading the ended partitions resume past their ends and
     * never report them again, so the window tasks must remember them. Found by the fault run: a moved window task
     * waited on those partitions forever and its windows were never written. Two restarts: the first incarnation's
     * repeated end reports are still in the internal topic after one, and the second reads them all.
     */
    @Test
    void windowTasksRestartedAfterSomePartitionsEndedStillCloseEveryWindowOnce(KafkaBroker kafka) throws Exception {
        int partitions = 4;
        try (JobHarness h = new JobHarness(kafka.bootstrapServers(), job("tumbling: 1h", "0s"), partitions, null)) {
            List<ReferenceWindows.Event> all = new ArrayList<>();
            Random random = new Random(11);
            for (int p = 0; p < partitions; p++) {
                List<String> lines = new ArrayList<>();
                // ten minutes of one hour: no window closes before every partition ends
                for (long t = BASE; t < BASE + 600 * SECOND; t += (1 + random.nextInt(20)) * SECOND) {
                    String key = "s" + random.nextInt(5);
                    double v = random.nextInt(100);
                    lines.add(event(key, t, v));
                    all.add(new ReferenceWindows.Event(key, t, v, 0));
                }
                h.send(p, lines);
            }
            h.start().awaitRunning(WAIT);
            h.endInput(0, 1);
            Thread.sleep(3000);
            h.stop();
            h.start().awaitRunning(WAIT);
            Thread.sleep(3000);
            h.stop();
            assertEquals(List.of(), h.awaitSinkRecordsFor(Duration.ofSeconds(1)), "no window closes before the end");

            h.start();
            h.endInput(2, 3);
            h.awaitEnd(WAIT);
            all.sort(java.util.Comparator.comparingLong(ReferenceWindows.Event::time));
            ReferenceWindows.Result expected = ReferenceWindows.run(all, "tumbling", 3_600_000, 3_600_000, 0);
            assertEquals(5, expected.windows().size());
            assertSameWindows(expected.windows(), h.sinkRecords(), "k");
            assertEquals(List.of(), h.deadLetters());
        }
    }
}

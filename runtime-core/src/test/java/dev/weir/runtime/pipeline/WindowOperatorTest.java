package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.expr.AggregateCall;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowOperatorTest {
    private static final long MIN = 60_000;

    private final SortedMapStore store = new SortedMapStore();
    private final List<Map<String, Object>> out = new ArrayList<>();

    private static Aggregates aggregates() throws Exception {
        return new Aggregates(List.of(
                new Aggregates.Named("n", AggregateCall.parse("count()")),
                new Aggregates.Named("total", AggregateCall.parse("sum(v)")),
                new Aggregates.Named("mean", AggregateCall.parse("avg(v)")),
                new Aggregates.Named("lo", AggregateCall.parse("min(v)")),
                new Aggregates.Named("hi", AggregateCall.parse("max(v)"))));
    }

    private WindowOperator operator(WindowShape shape, long lateness) throws Exception {
        return new WindowOperator(shape, lateness, "id", aggregates(), store, (r, end, inputs) -> out.add(r));
    }

    private static byte[] key(String k) {
        return Json.write(k);
    }

    /** The one distinct argument, v, that sum, avg, min and max read (count() reads none). */
    private static Object[] args(Object v) {
        return new Object[] {v};
    }

    @Test
    void tumblingWindowEmitsOnceWhenWatermarkPassesEndPlusLateness() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(10 * MIN), 30_000);
        op.advance(0);
        assertTrue(op.add(key("a"), 1 * MIN, args(2L)));
        assertTrue(op.add(key("a"), 3 * MIN, args(4.5)));
        op.advance(10 * MIN + 29_999);
        assertTrue(out.isEmpty());
        assertTrue(op.add(key("a"), 9 * MIN, args(null)), "within lateness: accepted");
        op.advance(10 * MIN + 30_000);
        assertEquals(1, out.size());
        Map<String, Object> w = out.get(0);
        assertEquals("a", w.get("id"));
        assertEquals("1970-01-01T00:00:00Z", w.get("window_start"));
        assertEquals("1970-01-01T00:10:00Z", w.get("window_end"));
        assertEquals(3L, w.get("n"));
        assertEquals(6.5, w.get("total"));
        assertEquals(3.25, w.get("mean"));
        assertEquals(2L, w.get("lo"), "min keeps the integer type of the value it took");
        assertEquals(4.5, w.get("hi"));
        assertFalse(op.add(key("a"), 9 * MIN, args(1L)), "its only window closed: late");
        assertEquals(1, store.size(), "closed windows leave only the persisted watermark behind");
    }

    @Test
    void sumOfIntegersStaysInteger_andNullsAreSkipped() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        op.add(key("k"), 1, args(3L));
        op.add(key("k"), 2, args(null));
        op.add(key("k"), 3, args(4L));
        op.add(key("empty"), 4, args(null));
        op.advance(MIN);
        assertEquals(2, out.size());
        Map<String, Object> empty = out.stream().filter(r -> r.get("id").equals("empty")).findFirst().orElseThrow();
        Map<String, Object> k = out.stream().filter(r -> r.get("id").equals("k")).findFirst().orElseThrow();
        assertEquals(3L, k.get("n"));
        assertEquals(7L, k.get("total"));
        assertEquals(3.5, k.get("mean"));
        assertEquals(1L, empty.get("n"));
        assertEquals(null, empty.get("total"));
        assertEquals(null, empty.get("mean"));
    }

    @Test
    void windowsCloseInEndOrderAcrossKeys() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        op.add(key("b"), MIN + 1, args(1L));
        op.add(key("a"), 2 * MIN + 1, args(1L));
        op.add(key("c"), 5, args(1L));
        op.advance(3 * MIN);
        assertEquals(List.of("c", "b", "a"), out.stream().map(r -> r.get("id")).toList());
    }

    @Test
    void hoppingRecordCountsInEveryOpenWindow_closedOnesAreSkipped() throws Exception {
        WindowOperator op = operator(new WindowShape.Hopping(10 * MIN, 5 * MIN), 0);
        op.advance(10 * MIN);
        assertTrue(op.add(key("a"), 7 * MIN, args(1L)), "[5,15) is open though [0,10) closed");
        op.advance(20 * MIN);
        assertEquals(1, out.size());
        assertEquals("1970-01-01T00:05:00Z", out.get(0).get("window_start"));
        assertEquals("1970-01-01T00:15:00Z", out.get(0).get("window_end"));
    }

    @Test
    void sessionsMergeOutOfOrderRecordsAndCloseAtLastPlusGap() throws Exception {
        WindowOperator op = operator(new WindowShape.Session(5 * MIN), 0);
        op.add(key("u"), 0, args(1L));
        op.add(key("u"), 8 * MIN, args(1L));
        assertEquals(0, out.size());
        op.add(key("u"), 4 * MIN, args(1L));
        op.advance(13 * MIN - 1);
        assertEquals(0, out.size(), "4m bridges 0m and 8m: one session [0m, 13m)");
        op.advance(13 * MIN);
        assertEquals(1, out.size());
        assertEquals("1970-01-01T00:00:00Z", out.get(0).get("window_start"));
        assertEquals("1970-01-01T00:13:00Z", out.get(0).get("window_end"));
        assertEquals(3L, out.get(0).get("n"));
    }

    @Test
    void sessionRecordsAGapOrMoreApartAreSeparateSessions() throws Exception {
        WindowOperator op = operator(new WindowShape.Session(5 * MIN), 0);
        op.add(key("u"), 0, args(1L));
        op.add(key("u"), 5 * MIN, args(1L));
        op.advance(Long.MAX_VALUE);
        assertEquals(2, out.size());
    }

    @Test
    void lateSessionRecordIsRejected_butOneThatJoinsAnOpenSessionIsNot() throws Exception {
        WindowOperator op = operator(new WindowShape.Session(5 * MIN), MIN);
        op.add(key("u"), 20 * MIN, args(1L));
        op.advance(20 * MIN);
        assertTrue(op.add(key("u"), 16 * MIN, args(1L)), "joins the open session");
        assertFalse(op.add(key("u"), 10 * MIN, args(1L)), "[10m,15m) + 1m lateness ≤ 20m and no session to join");
        assertTrue(op.add(key("other"), 15 * MIN, args(1L)), "[15m,20m) + 1m lateness > 20m: still open");
    }

    @Test
    void restartedOperatorResumesFromPersistedWatermark() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        op.add(key("a"), 1, args(1L));
        op.add(key("a"), MIN + 1, args(1L));
        op.advance(MIN);
        assertEquals(1, out.size());
        WindowOperator restarted = operator(new WindowShape.Tumbling(MIN), 0);
        assertEquals(MIN, restarted.closedWatermark());
        assertFalse(restarted.add(key("a"), 2, args(1L)), "the emitted window stays closed");
        restarted.advance(2 * MIN);
        assertEquals(2, out.size());
        assertEquals(1L, out.get(1).get("n"));
    }

    private Map<String, Object> onlyWindow(WindowOperator op) {
        op.advance(10 * MIN);
        assertEquals(1, out.size(), out.toString());
        return out.get(0);
    }

    @Test
    void anAccumulatorEncodesToTheAggregatesFixedSize_whateverItHolds() throws Exception {
        Aggregates aggregates = aggregates();
        Aggregates.Accumulator acc = aggregates.newAccumulator();
        assertEquals(aggregates.encodedSize(), encoded(acc));
        acc.add(args(1L << 60));
        acc.add(args(-3L));
        assertEquals(aggregates.encodedSize(), encoded(acc));
        assertEquals(aggregates.encodedSize(), encoded(aggregates.decode(ByteBuffer.wrap(bytes(acc)))));
    }

    private static int encoded(Aggregates.Accumulator acc) {
        return bytes(acc).length;
    }

    private static byte[] bytes(Aggregates.Accumulator acc) {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        acc.encode(buffer);
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    @Test
    void integerAggregatesAreExactBeyondTheDoublesIntegers() throws Exception {
        long twoTo53 = 1L << 53;
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        op.add(key("k"), 1, args(twoTo53));
        op.add(key("k"), 2, args(1L));
        op.add(key("k"), 3, args(twoTo53 + 1));
        Map<String, Object> w = onlyWindow(op);
        assertEquals(2 * twoTo53 + 2, w.get("total"));
        assertEquals(1L, w.get("lo"));
        assertEquals(twoTo53 + 1, w.get("hi"));
    }

    @Test
    void integerSumIsExactWhereDoublesCancel() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        op.add(key("k"), 1, args(10_000_000_000_000_000L));
        op.add(key("k"), 2, args(1L));
        op.add(key("k"), 3, args(-10_000_000_000_000_000L));
        assertEquals(1L, onlyWindow(op).get("total"));
    }

    @Test
    void aRecordThatWouldOverflowAnIntegerSumIsRejected_andTheWindowKeepsTheOthers() throws Exception {
        long twoTo62 = 1L << 62;
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        op.add(key("k"), 1, args(twoTo62));
        RecordRejected rejected = assertThrows(RecordRejected.class, () -> op.add(key("k"), 2, args(twoTo62)));
        assertEquals(DeadLetterReason.expression_error, rejected.reason());
        assertTrue(rejected.getMessage().contains("total") && rejected.getMessage().contains("64-bit"),
                rejected.getMessage());
        op.add(key("k"), 3, args(1L));
        Map<String, Object> w = onlyWindow(op);
        assertEquals(2L, w.get("n"));
        assertEquals(twoTo62 + 1, w.get("total"));
    }

    @Test
    void doubleSumsAreCompensated_soExactDecimalInputsGiveExactResults() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        for (int i = 0; i < 10_000; i++) {
            op.add(key("k"), 1, args(0.1));
        }
        Map<String, Object> w = onlyWindow(op);
        assertEquals(1000.0, w.get("total"));
        assertEquals(0.1, w.get("mean"));
    }

    @Test
    void anAbsentFieldIsSkippedLikeNull_butACompoundArgumentOverItIsAnError() throws Exception {
        Aggregates bare = new Aggregates(List.of(new Aggregates.Named("total", AggregateCall.parse("sum(v)"))));
        assertEquals(java.util.Arrays.asList((Object) null), java.util.Arrays.asList(bare.arguments(Map.of("k", "a"))));
        Aggregates compound = new Aggregates(List.of(new Aggregates.Named("total", AggregateCall.parse("sum(v * 2)"))));
        RecordRejected e = assertThrows(RecordRejected.class, () -> compound.arguments(Map.of("k", "a")));
        assertEquals(DeadLetterReason.expression_error, e.reason());
        RecordRejected nan = assertThrows(RecordRejected.class, () -> new Aggregates(List.of(new Aggregates.Named(
                "mean", AggregateCall.parse("avg(a / b)")))).arguments(Map.of("a", 0.0, "b", 0.0)));
        assertTrue(nan.getMessage().contains("finite number"), nan.getMessage());
    }

    /**
     * What the Kafka engine relies on to leave a payload out of its keyed topic: a record {@code canBeLate} calls safe
     * under a bound is never late while the watermark stays at or below that bound, and one it calls unsafe is late
     * at the bound itself (so the call is also as tight as it can be).
     */
    @Test
    void canBeLateIsExactlyWhetherTheWatermarkAtTheBoundMakesTheRecordLate() throws Exception {
        java.util.Random random = new java.util.Random(15);
        List<WindowShape> shapes = List.of(new WindowShape.Tumbling(MIN), new WindowShape.Hopping(MIN, 20_000),
                new WindowShape.Session(30_000));
        for (int i = 0; i < 3_000; i++) {
            WindowShape shape = shapes.get(i % shapes.size());
            long lateness = random.nextInt(3) * 5_000L;
            long t = random.nextInt(600) * 1_000L;
            long bound = t + random.nextInt(200) * 1_000L - 20_000;
            boolean canBeLate = WindowOperator.canBeLate(shape, lateness, t, bound);
            for (long w : new long[] {bound - random.nextInt(100_000), bound}) {
                SortedMapStore fresh = new SortedMapStore();
                WindowOperator op = new WindowOperator(shape, lateness, "id", aggregates(), fresh, (r, end, in) -> {});
                op.advance(w);
                boolean late = !op.add(key("a"), t, args(1L));
                if (!canBeLate) {
                    assertFalse(late, shape + " lateness " + lateness + " t " + t + " bound " + bound + " w " + w);
                } else if (w == bound) {
                    assertTrue(late, shape + " lateness " + lateness + " t " + t + " bound " + bound);
                }
            }
        }
        assertFalse(WindowOperator.canBeLate(new WindowShape.Tumbling(MIN), 0, 0, Long.MIN_VALUE),
                "nothing read yet: no watermark");
    }

    /**
     * What the Kafka engine's batches rely on: adding a key's records of one tumbling window together gives the
     * windows, refusals and late verdicts that adding them one by one gives, in the same order, overflow included.
     */
    @Test
    void addAllIsAddOneByOne() throws Exception {
        java.util.Random random = new java.util.Random(16);
        WindowShape shape = new WindowShape.Tumbling(MIN);
        Object[] values = {1L, -7L, 2.5, null, Long.MAX_VALUE - 3, Long.MIN_VALUE + 1, 1e308, -1e308, 0.1, 40L};
        for (int round = 0; round < 500; round++) {
            SortedMapStore oneStore = new SortedMapStore();
            SortedMapStore allStore = new SortedMapStore();
            List<Map<String, Object>> oneOut = new ArrayList<>();
            List<Map<String, Object>> allOut = new ArrayList<>();
            WindowOperator one = new WindowOperator(shape, 0, "id", aggregates(), oneStore, (r, e, in) -> oneOut.add(r));
            WindowOperator all = new WindowOperator(shape, 0, "id", aggregates(), allStore, (r, e, in) -> allOut.add(r));
            long watermark = random.nextInt(4) * MIN - 1;
            one.advance(watermark);
            all.advance(watermark);
            for (int batch = 0; batch < 4; batch++) {
                long start = random.nextInt(3) * MIN;
                int n = 1 + random.nextInt(6);
                long[] times = new long[n];
                Object[][] args = new Object[n][];
                for (int i = 0; i < n; i++) {
                    times[i] = start + random.nextInt((int) MIN);
                    args[i] = args(values[random.nextInt(values.length)]);
                }
                List<String> oneVerdicts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    try {
                        oneVerdicts.add(one.add(key("k"), times[i], args[i]) ? "added" : "late");
                    } catch (RecordRejected e) {
                        oneVerdicts.add("refused: " + e.getMessage());
                    }
                }
                String[] allVerdicts = new String[n];
                boolean open = all.addAll(key("k"), times, args, (i, e) -> allVerdicts[i] = "refused: " + e.getMessage());
                for (int i = 0; i < n; i++) {
                    if (allVerdicts[i] == null) {
                        allVerdicts[i] = open ? "added" : "late";
                    }
                }
                assertEquals(oneVerdicts, List.of(allVerdicts), "round " + round + " batch " + batch);
            }
            one.advance(Long.MAX_VALUE);
            all.advance(Long.MAX_VALUE);
            assertEquals(oneOut, allOut, "round " + round);
        }
    }

    @Test
    void addAllRefusesRecordsOfAnotherWindow() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(MIN), 0);
        assertThrows(IllegalArgumentException.class, () -> op.addAll(key("k"), new long[] {0, MIN},
                new Object[][] {args(1L), args(2L)}, (i, e) -> {}));
        assertThrows(IllegalStateException.class, () -> operator(new WindowShape.Hopping(MIN, 20_000), 0)
                .addAll(key("k"), new long[] {0}, new Object[][] {args(1L)}, (i, e) -> {}));
    }
}

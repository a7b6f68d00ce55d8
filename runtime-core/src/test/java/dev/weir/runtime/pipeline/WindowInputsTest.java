package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weir.api.expr.AggregateCall;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The window operator keeps each open window's traced inputs for its span's links, in the window state. */
class WindowInputsTest {
    private static final long MIN = 60_000;

    private final SortedMapStore store = new SortedMapStore();
    private final List<Map<String, Object>> out = new ArrayList<>();
    private final List<WindowInputs> inputs = new ArrayList<>();

    private WindowOperator operator(WindowShape shape, boolean linkInputs) throws Exception {
        Aggregates aggregates = new Aggregates(List.of(new Aggregates.Named("n", AggregateCall.parse("count()"))));
        return new WindowOperator(shape, 0, "id", aggregates, store, (r, end, in) -> {
            out.add(r);
            inputs.add(in);
        }, linkInputs);
    }

    private static TraceParent context(int n) {
        return new TraceParent(HexFormat.of().toHexDigits((long) n) + "0000000000000001",
                HexFormat.of().toHexDigits((long) n + 1), true);
    }

    private static byte[] key(String k) {
        return Json.write(k);
    }

    @Test
    void eachWindowEmitsWithTheContextsOfItsTracedRecordsOnly() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(10 * MIN), true);
        op.advance(0);
        op.add(key("a"), 1 * MIN, new Object[0], context(1));
        op.add(key("a"), 2 * MIN, new Object[0]);
        op.add(key("b"), 3 * MIN, new Object[0], context(2));
        op.add(key("a"), 4 * MIN, new Object[0], context(3));
        op.add(key("a"), 11 * MIN, new Object[0]);
        op.advance(20 * MIN);
        assertEquals(List.of("a", "b", "a"), out.stream().map(r -> r.get("id")).toList());
        assertEquals(new WindowInputs(2, List.of(context(1), context(3))), inputs.get(0));
        assertEquals(new WindowInputs(1, List.of(context(2))), inputs.get(1));
        assertEquals(WindowInputs.NONE, inputs.get(2));
        assertEquals(1, store.size(), "closed windows leave no inputs behind, only the watermark");
    }

    @Test
    void aHoppingRecordIsAnInputOfEveryWindowItIsIn() throws Exception {
        WindowOperator op = operator(new WindowShape.Hopping(10 * MIN, 5 * MIN), true);
        op.advance(0);
        op.add(key("a"), 7 * MIN, new Object[0], context(1));
        op.advance(30 * MIN);
        assertEquals(List.of(new WindowInputs(1, List.of(context(1))), new WindowInputs(1, List.of(context(1)))),
                inputs);
    }

    @Test
    void mergedSessionsKeepTheInputsOfBoth() throws Exception {
        WindowOperator op = operator(new WindowShape.Session(5 * MIN), true);
        op.advance(0);
        op.add(key("u"), 0, new Object[0], context(1));
        op.add(key("u"), 8 * MIN, new Object[0], context(2));
        op.add(key("u"), 4 * MIN, new Object[0], context(3));
        op.advance(60 * MIN);
        assertEquals(1, out.size(), "one session");
        assertEquals(new WindowInputs(3, List.of(context(1), context(2), context(3))), inputs.get(0));
        assertEquals(1, store.size(), "the absorbed sessions' inputs are gone, only the watermark is left");
    }

    @Test
    void linksAreBoundedAndTheCountIsNot() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(10 * MIN), true);
        op.advance(0);
        for (int i = 0; i < WindowInputs.MAX_LINKS + 10; i++) {
            op.add(key("a"), MIN, new Object[0], context(i));
        }
        op.advance(10 * MIN);
        assertEquals(WindowInputs.MAX_LINKS + 10, inputs.get(0).traced());
        assertEquals(WindowInputs.MAX_LINKS, inputs.get(0).links().size());
        assertEquals(context(0), inputs.get(0).links().get(0), "the first ones are kept");
    }

    @Test
    void inputsSurviveARestartOnTheSameState() throws Exception {
        operator(new WindowShape.Tumbling(10 * MIN), true).add(key("a"), MIN, new Object[0], context(1));
        WindowOperator restarted = operator(new WindowShape.Tumbling(10 * MIN), true);
        restarted.advance(10 * MIN);
        assertEquals(List.of(new WindowInputs(1, List.of(context(1)))), inputs);
    }

    @Test
    void withoutTracingNoInputIsKept() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(10 * MIN), false);
        op.add(key("a"), MIN, new Object[0], context(1));
        op.advance(10 * MIN);
        assertEquals(List.of(WindowInputs.NONE), inputs);
        assertEquals(1, store.size(), "nothing but the watermark was written");
    }

    @Test
    void linksRoundTrip() {
        List<TraceParent> links = List.of(context(1), new TraceParent(context(2).traceId(), context(2).spanId(), false));
        assertEquals(links, WindowInputs.decodeLinks(WindowInputs.encodeLinks(links)));
        assertEquals(List.of(), WindowInputs.decodeLinks(null));
    }

    @Test
    void onceTheLinksAreFullATracedRecordRewritesOnlyTheCount() throws Exception {
        WindowOperator op = operator(new WindowShape.Tumbling(10 * MIN), true);
        for (int i = 0; i < WindowInputs.MAX_LINKS; i++) {
            op.add(key("a"), MIN, new Object[0], context(i));
        }
        byte[] linksKey = StateKeys.inputLinksOf(StateKeys.window(key("a"), 0));
        byte[] full = store.get(linksKey);
        op.add(key("a"), MIN, new Object[0], context(99));
        assertSame(full, store.get(linksKey), "the links are not written again");
    }
}

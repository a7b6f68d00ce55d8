package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trace context in a JSON payload's field: read only at the top level, set or removed on what a job writes. */
class TraceFieldTest {
    private static final String CONTEXT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private final TraceField field = new TraceField("traceparent");

    private String read(String payload) {
        return field.read(payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsATopLevelStringFieldWhereverItIs() {
        assertEquals(CONTEXT, read("{\"traceparent\":\"" + CONTEXT + "\",\"v\":1}"));
        assertEquals(CONTEXT, read("{\"nested\":{\"traceparent\":\"x\"},\"a\":[1,{\"b\":2}],"
                + " \"traceparent\" : \"" + CONTEXT + "\"}"));
    }

    @Test
    void anythingElseIsNoContextNeverAnError() {
        assertNull(read("{\"v\":1}"));
        assertNull(read("{\"nested\":{\"traceparent\":\"" + CONTEXT + "\"}}"));
        assertNull(read("{\"traceparent\":42}"));
        assertNull(read("[\"traceparent\"]"));
        assertNull(read("not json \"traceparent\""));
        assertNull(read("{\"traceparent\":"));
        assertNull(field.read(null));
    }

    @Test
    void whatAJobWritesCarriesItsOwnContextOrNone() {
        Map<String, Object> out = new LinkedHashMap<>(Map.of("n", 2L, "traceparent", "stale"));
        TraceParent context = TraceParent.parse(CONTEXT);
        assertEquals(Map.of("n", 2L, "traceparent", CONTEXT), field.carrying(out, () -> context));
        assertEquals(Map.of("n", 2L), field.carrying(out, RecordTrace.NONE));
        assertEquals(Map.of("n", 2L, "traceparent", "stale"), out, "the step's map is left as it was");
        Map<String, Object> without = Map.of("n", 2L);
        assertSame(without, field.carrying(without, RecordTrace.NONE));
    }
}

package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceParentTest {
    private static final String SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void readsTheW3cExample() {
        TraceParent context = TraceParent.parse(SAMPLED);
        assertEquals(new TraceParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true), context);
        assertEquals(SAMPLED, context.header());
        assertEquals(false, TraceParent.parse(SAMPLED.replace("-01", "-00")).sampled());
        // other flag bits do not make a context sampled or unsampled
        assertEquals(true, TraceParent.parse(SAMPLED.replace("-01", "-03")).sampled());
    }

    @Test
    void aLaterVersionMayAddFields() {
        assertEquals("00f067aa0ba902b7", TraceParent.parse("cc" + SAMPLED.substring(2) + "-what-comes").spanId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"})
    void anythingElseIsNoContext(String header) {
        assertNull(TraceParent.parse(header), header);
    }

    @Test
    void binaryRoundTrip() {
        TraceParent context = TraceParent.parse(SAMPLED);
        ByteBuffer b = ByteBuffer.allocate(TraceParent.BINARY_SIZE);
        context.write(b);
        assertEquals(context, TraceParent.read(b.flip()));
    }
}

package dev.weir.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.TraceParent;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** What a record the job writes carries: its own trace's context, or none; never the one it came with. */
class TraceHeadersTest {
    private static final String INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final TraceParent OWN = new TraceParent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true);

    private static Record<byte[], byte[]> incoming() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(TraceParent.HEADER, INCOMING.getBytes(StandardCharsets.UTF_8));
        headers.add(TraceHeaders.TRACESTATE, "vendor=x".getBytes(StandardCharsets.UTF_8));
        headers.add("keep-me", new byte[] {1});
        return new Record<>(new byte[0], new byte[0], 0, headers);
    }

    @Test
    void anUntracedRecordLeavesWithoutTheIncomingContext() {
        Record<byte[], byte[]> out = TraceHeaders.carrying(incoming(), RecordTrace.NONE);
        assertNull(TraceHeaders.traceparent(out.headers()));
        assertNull(out.headers().lastHeader(TraceHeaders.TRACESTATE));
        assertEquals(1, out.headers().lastHeader("keep-me").value()[0], "other headers travel on");
    }

    @Test
    void aTracedRecordCarriesItsOwnContextOnly() {
        Record<byte[], byte[]> out = TraceHeaders.carrying(incoming(), () -> OWN);
        assertEquals(OWN.header(), TraceHeaders.traceparent(out.headers()));
        assertEquals(1, count(out), "one traceparent, the record's own");
        assertNull(out.headers().lastHeader(TraceHeaders.TRACESTATE));
    }

    @Test
    void aRecordWithoutContextIsLeftAsItIs() {
        Record<byte[], byte[]> plain = new Record<>(new byte[0], new byte[0], 0);
        assertSame(plain, TraceHeaders.carrying(plain, RecordTrace.NONE));
    }

    private static int count(Record<byte[], byte[]> record) {
        int n = 0;
        for (var ignored : record.headers().headers(TraceParent.HEADER)) {
            n++;
        }
        return n;
    }
}

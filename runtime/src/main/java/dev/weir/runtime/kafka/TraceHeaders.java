package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.TraceParent;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The W3C trace context on Kafka records: read from source and keyed records, and set on every record the job
 * writes (keyed, sink, dead letter) to the trace of that record, so that a stale incoming one never travels on.
 */
final class TraceHeaders {
    /** W3C's companion of traceparent: vendor state of the incoming context, which does not fit the new one. */
    static final String TRACESTATE = "tracestate";

    private TraceHeaders() {}

    /** The record's {@code traceparent} value, or null. */
    static String traceparent(Headers headers) {
        Header header = headers.lastHeader(TraceParent.HEADER);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The record with the context of {@code trace} as its {@code traceparent}, or with none when it is not traced. */
    static <K, V> Record<K, V> carrying(Record<K, V> record, RecordTrace trace) {
        TraceParent context = trace.context();
        Headers headers = record.headers();
        if (context == null && headers.lastHeader(TraceParent.HEADER) == null
                && headers.lastHeader(TRACESTATE) == null) {
            return record;
        }
        Headers replaced = new RecordHeaders(headers.toArray()).remove(TraceParent.HEADER).remove(TRACESTATE);
        if (context != null) {
            replaced.add(TraceParent.HEADER, context.header().getBytes(StandardCharsets.UTF_8));
        }
        return record.withHeaders(replaced);
    }
}

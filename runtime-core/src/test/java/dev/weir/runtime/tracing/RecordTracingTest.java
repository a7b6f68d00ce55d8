package dev.weir.runtime.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.SourcePosition;
import dev.weir.runtime.pipeline.TraceParent;
import dev.weir.runtime.pipeline.WindowInputs;
import dev.weir.runtime.pipeline.WindowOperator;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which records {@link RecordTracing} traces, and the spans it makes, with the SDK exporting to memory. */
class RecordTracingTest {
    private static final String INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final SourcePosition FIRST = new SourcePosition.Offset(0, 0);
    private static final RecordTracing.Names NAMES =
            new RecordTracing.Names(SpanAttributes.KAFKA, "in", "out", "dlq", "weir-job", "k");

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();

    @AfterEach
    void close() {
        provider.close();
    }

    private RecordTracing tracing(double ratio) {
        return new RecordTracing(provider.get(JobTracing.SCOPE), ratio, NAMES);
    }

    @Test
    void theRatioDecidesForRecordsWithoutASampledContext() {
        RecordTracing tracing = tracing(0.01);
        int records = 100_000;
        for (int i = 0; i < records; i++) {
            tracing.keyed(tracing.recordIn(new SourcePosition.Offset(0, i), null));
        }
        int traced = exported.getFinishedSpanItems().size();
        // 1,000 expected; the bounds are nine standard deviations away
        assertTrue(traced > 700 && traced < 1300, traced + " of " + records + " traced at 0.01");
    }

    @Test
    void aSampledIncomingContextIsContinuedWhateverTheRatio() {
        RecordTracing tracing = tracing(0);
        RecordTrace trace = tracing.recordIn(new SourcePosition.Offset(3, 42), INCOMING);
        tracing.keyed(trace);
        SpanData span = exported.getFinishedSpanItems().get(0);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", span.getTraceId());
        assertEquals("00f067aa0ba902b7", span.getParentSpanId());
        assertEquals("process in", span.getName());
        assertEquals(SpanKind.CONSUMER, span.getKind());
        assertEquals("3", span.getAttributes().get(SpanAttributes.PARTITION));
        assertEquals(42L, span.getAttributes().get(SpanAttributes.KAFKA_OFFSET));
        assertEquals("weir-job", span.getAttributes().get(SpanAttributes.CONSUMER_GROUP));
        assertEquals(new TraceParent(span.getTraceId(), span.getSpanId(), true), trace.context(),
                "what the record carries on is its process span");
    }

    @Test
    void anUnsampledOrBadContextLeavesItToTheRatio() {
        RecordTracing never = tracing(0);
        assertSame(RecordTrace.NONE, never.recordIn(FIRST, INCOMING.replace("-01", "-00")));
        assertSame(RecordTrace.NONE, never.recordIn(FIRST, "not a traceparent"));
        RecordTracing always = tracing(1);
        always.keyed(always.recordIn(FIRST, INCOMING.replace("-01", "-00")));
        always.keyed(always.recordIn(new SourcePosition.Offset(0, 1), "not a traceparent"));
        List<SpanData> spans = exported.getFinishedSpanItems();
        assertEquals(2, spans.size());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", spans.get(0).getTraceId(), "an unsampled trace goes on");
        assertTrue(!spans.get(1).getParentSpanContext().isValid(), "a bad header starts a new trace");
    }

    @Test
    void aDeadLetterOfATracedRecordIsAnErrorSpanUnderItsProcessSpan() {
        RecordTracing tracing = tracing(1);
        RecordTrace record = tracing.recordIn(new SourcePosition.Offset(0, 7), null);
        RecordTrace deadLetter = tracing.deadLetter(record, DeadLetterReason.malformed, "not JSON");
        List<SpanData> spans = exported.getFinishedSpanItems();
        assertEquals(2, spans.size(), "the dead letter's span and the record's, both ended");
        SpanData error = spans.get(0);
        assertEquals("dead_letter dlq", error.getName());
        assertEquals(record.context().spanId(), error.getParentSpanId());
        assertEquals("malformed", error.getAttributes().get(SpanAttributes.ERROR_TYPE));
        assertEquals(StatusCode.ERROR, error.getStatus().getStatusCode());
        assertEquals("not JSON", error.getStatus().getDescription());
        assertEquals(error.getSpanId(), deadLetter.context().spanId(), "the dead-letter record carries its span");
    }

    @Test
    void aKinesisRecordsSpanNamesItsShardAndSequenceNumber() {
        RecordTracing tracing = new RecordTracing(provider.get(JobTracing.SCOPE), 1,
                new RecordTracing.Names(SpanAttributes.AWS_KINESIS, "in", "out", "dlq", "weir-job", "k"));
        String sequence = "49590338271490256608559692538361571095921575989136588898";
        tracing.keyed(tracing.recordIn(new SourcePosition.Sequence("shardId-000000000002", sequence), null));
        SpanData span = exported.getFinishedSpanItems().get(0);
        assertEquals("process in", span.getName());
        assertEquals("aws_kinesis", span.getAttributes().get(SpanAttributes.MESSAGING_SYSTEM));
        assertEquals("shardId-000000000002", span.getAttributes().get(SpanAttributes.PARTITION));
        assertEquals(sequence, span.getAttributes().get(SpanAttributes.MESSAGE_ID));
        assertNull(span.getAttributes().get(SpanAttributes.KAFKA_OFFSET));
    }

    @Test
    void aDeadLetterOfAnUntracedRecordHasNoSpan() {
        RecordTracing tracing = tracing(0);
        assertSame(RecordTrace.NONE,
                tracing.deadLetter(tracing.recordIn(FIRST, null), DeadLetterReason.late, "x"));
        assertSame(RecordTrace.NONE, tracing.deadLetter(tracing.keyedIn(null), DeadLetterReason.late, "x"));
        assertEquals(List.of(), exported.getFinishedSpanItems());
    }

    @Test
    void aFilteredRecordsSpanHasAnEvent() {
        RecordTracing tracing = tracing(1);
        tracing.dropped(tracing.recordIn(FIRST, null));
        assertEquals(SpanAttributes.FILTERED_EVENT,
                exported.getFinishedSpanItems().get(0).getEvents().get(0).getName());
    }

    @Test
    void aWindowSpanLinksItsInputsAndStartsATraceOfItsOwn() {
        RecordTracing tracing = tracing(0);
        Map<String, Object> window = Map.of("k", "sensor-1", WindowOperator.WINDOW_START, "1970-01-01T00:00:00Z",
                WindowOperator.WINDOW_END, "1970-01-01T00:00:10Z");
        assertSame(RecordTrace.NONE, tracing.windowClosed(window, WindowInputs.NONE),
                "no traced input: the ratio decides");
        TraceParent input = TraceParent.parse(INCOMING);
        RecordTrace trace = tracing.windowClosed(window, new WindowInputs(40, List.of(input)));
        tracing.recordOut(trace);
        SpanData span = exported.getFinishedSpanItems().get(0);
        assertEquals("window out", span.getName());
        assertEquals(SpanKind.PRODUCER, span.getKind());
        assertTrue(!span.getParentSpanContext().isValid());
        assertEquals(1, span.getLinks().size());
        assertEquals(input.spanId(), span.getLinks().get(0).getSpanContext().getSpanId());
        assertEquals(40L, span.getAttributes().get(SpanAttributes.WINDOW_TRACED_INPUTS));
        assertEquals("sensor-1", span.getAttributes().get(SpanAttributes.WINDOW_KEY));
        assertEquals(span.getSpanId(), trace.context().spanId());
    }

    @Test
    void aCarriedContextIsReadOnlyWhenSampled() {
        RecordTracing tracing = tracing(1);
        assertSame(RecordTrace.NONE, tracing.keyedIn(null));
        assertSame(RecordTrace.NONE, tracing.keyedIn(INCOMING.replace("-01", "-00")));
        assertEquals(TraceParent.parse(INCOMING), tracing.keyedIn(INCOMING).context());
        assertNull(RecordTrace.NONE.context());
    }
}

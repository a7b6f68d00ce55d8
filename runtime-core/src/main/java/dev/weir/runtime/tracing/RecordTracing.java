package dev.weir.runtime.tracing;

import static dev.weir.runtime.tracing.SpanAttributes.CONSUMER_GROUP;
import static dev.weir.runtime.tracing.SpanAttributes.DESTINATION;
import static dev.weir.runtime.tracing.SpanAttributes.ERROR_TYPE;
import static dev.weir.runtime.tracing.SpanAttributes.KAFKA_OFFSET;
import static dev.weir.runtime.tracing.SpanAttributes.MESSAGE_ID;
import static dev.weir.runtime.tracing.SpanAttributes.MESSAGING_SYSTEM;
import static dev.weir.runtime.tracing.SpanAttributes.OPERATION_NAME;
import static dev.weir.runtime.tracing.SpanAttributes.OPERATION_TYPE;
import static dev.weir.runtime.tracing.SpanAttributes.PARTITION;

import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.SourcePosition;
import dev.weir.runtime.pipeline.TraceParent;
import dev.weir.runtime.pipeline.WindowInputs;
import dev.weir.runtime.pipeline.WindowOperator;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Traces records on the record path (docs/tracing.md): a process span per sampled record, a dead-letter span per
 * dead letter of a traced record, a window span per closed window linking its traced inputs. The sampling decision
 * is made here, before any span exists, so a record not traced costs a header lookup and a random number. Spans
 * name the system the job reads and writes ({@code kafka}, {@code aws_kinesis}) and where each record was read.
 */
final class RecordTracing implements RecordListener {
    private final Tracer tracer;
    private final double sampleRatio;
    private final String keyField;
    private final String processName;
    private final String windowName;
    private final String deadLetterName;
    private final Attributes processAttributes;
    private final Attributes windowAttributes;
    private final Attributes deadLetterAttributes;

    /**
     * The names a job's spans use: its messaging system, its topics or streams, consumer group (Kinesis: the lease
     * table) and window key field (null without a window).
     */
    record Names(String system, String source, String sink, String deadLetter, String consumerGroup,
                 String keyField) {}

    RecordTracing(Tracer tracer, double sampleRatio, Names names) {
        this.tracer = tracer;
        this.sampleRatio = sampleRatio;
        this.keyField = names.keyField();
        processName = SpanAttributes.PROCESS + " " + names.source();
        windowName = SpanAttributes.WINDOW + " " + names.sink();
        deadLetterName = SpanAttributes.DEAD_LETTER + " " + names.deadLetter();
        processAttributes = Attributes.of(MESSAGING_SYSTEM, names.system(), DESTINATION, names.source(),
                CONSUMER_GROUP, names.consumerGroup(), OPERATION_TYPE, "process", OPERATION_NAME,
                SpanAttributes.PROCESS);
        windowAttributes = Attributes.of(MESSAGING_SYSTEM, names.system(), DESTINATION, names.sink(),
                OPERATION_TYPE, "create", OPERATION_NAME, SpanAttributes.WINDOW);
        deadLetterAttributes = Attributes.of(MESSAGING_SYSTEM, names.system(), DESTINATION, names.deadLetter(),
                OPERATION_TYPE, "send", OPERATION_NAME, SpanAttributes.DEAD_LETTER);
    }

    /** A record's span, open until its outcome. */
    private record Ongoing(Span span, TraceParent context) implements RecordTrace {
        Ongoing(Span span) {
            this(span, contextOf(span));
        }
    }

    /** A context without a span of ours to end: carried from the source stage, or a dead letter's. */
    private record Known(TraceParent context) implements RecordTrace {}

    @Override
    public RecordTrace recordIn(SourcePosition position, String traceparent) {
        TraceParent parent = traceparent == null ? null : TraceParent.parse(traceparent);
        if (!(parent != null && parent.sampled()) && !sampledByRatio()) {
            return RecordTrace.NONE;
        }
        SpanBuilder span = tracer.spanBuilder(processName)
                .setParent(parent == null ? Context.root() : Context.root().with(Span.wrap(remote(parent))))
                .setSpanKind(SpanKind.CONSUMER)
                .setAllAttributes(processAttributes)
                .setAttribute(PARTITION, position.split());
        if (position instanceof SourcePosition.Offset o) {
            span.setAttribute(KAFKA_OFFSET, o.offset());
        } else if (position instanceof SourcePosition.Sequence s) {
            span.setAttribute(MESSAGE_ID, s.sequenceNumber());
        }
        return new Ongoing(span.startSpan());
    }

    @Override
    public RecordTrace keyedIn(String traceparent) {
        TraceParent context = traceparent == null ? null : TraceParent.parse(traceparent);
        return context == null || !context.sampled() ? RecordTrace.NONE : new Known(context);
    }

    @Override
    public void dropped(RecordTrace trace) {
        if (trace instanceof Ongoing o) {
            o.span().addEvent(SpanAttributes.FILTERED_EVENT);
            o.span().end();
        }
    }

    @Override
    public void keyed(RecordTrace trace) {
        end(trace);
    }

    @Override
    public RecordTrace windowClosed(Map<String, Object> window, WindowInputs inputs) {
        if (inputs.isEmpty() && !sampledByRatio()) {
            return RecordTrace.NONE;
        }
        Object key = window.get(keyField);
        SpanBuilder span = tracer.spanBuilder(windowName)
                .setNoParent()
                .setSpanKind(SpanKind.PRODUCER)
                .setAllAttributes(windowAttributes)
                .setAttribute(SpanAttributes.WINDOW_KEY, key instanceof String s ? s : Json.writeString(key))
                .setAttribute(SpanAttributes.WINDOW_START, String.valueOf(window.get(WindowOperator.WINDOW_START)))
                .setAttribute(SpanAttributes.WINDOW_END, String.valueOf(window.get(WindowOperator.WINDOW_END)))
                .setAttribute(SpanAttributes.WINDOW_TRACED_INPUTS, inputs.traced());
        for (TraceParent input : inputs.links()) {
            span.addLink(remote(input));
        }
        return new Ongoing(span.startSpan());
    }

    @Override
    public void recordOut(RecordTrace trace) {
        end(trace);
    }

    @Override
    public RecordTrace deadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
        TraceParent parent = trace.context();
        if (parent == null) {
            return RecordTrace.NONE;
        }
        Span span = tracer.spanBuilder(deadLetterName)
                .setParent(Context.root().with(trace instanceof Ongoing o ? o.span() : Span.wrap(remote(parent))))
                .setSpanKind(SpanKind.PRODUCER)
                .setAllAttributes(deadLetterAttributes)
                .setAttribute(ERROR_TYPE, reason.name())
                .startSpan();
        span.setStatus(StatusCode.ERROR, message == null ? reason.name() : message);
        span.end();
        end(trace);
        return new Known(contextOf(span));
    }

    @Override
    public boolean linksWindowInputs() {
        return true;
    }

    private boolean sampledByRatio() {
        return sampleRatio >= 1.0 || sampleRatio > 0 && ThreadLocalRandom.current().nextDouble() < sampleRatio;
    }

    private static void end(RecordTrace trace) {
        if (trace instanceof Ongoing o) {
            o.span().end();
        }
    }

    private static TraceParent contextOf(Span span) {
        SpanContext c = span.getSpanContext();
        return new TraceParent(c.getTraceId(), c.getSpanId(), c.isSampled());
    }

    private static SpanContext remote(TraceParent context) {
        return SpanContext.createFromRemoteParent(context.traceId(), context.spanId(),
                context.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault());
    }
}

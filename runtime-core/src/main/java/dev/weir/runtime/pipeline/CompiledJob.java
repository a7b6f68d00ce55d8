package dev.weir.runtime.pipeline;

import dev.weir.api.Durations;
import dev.weir.api.EventTimeSpec;
import dev.weir.api.StepSpec;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.WindowSpec;
import dev.weir.api.expr.AggregateCall;
import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import dev.weir.api.sql.SqlPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated spec compiled into what every engine runs: the event-time reader, the record steps
 * before the window, the window (if any), and the steps applied to the window's output.
 */
public final class CompiledJob {
    public record Window(String keyBy, WindowShape shape, long allowedLateness, Aggregates aggregates) {}

    private final EventTimeReader eventTime;
    private final List<RecordStep> beforeWindow;
    private final Window window;
    private final List<RecordStep> afterWindow;
    private final Duration idleTimeout;

    private CompiledJob(EventTimeReader eventTime, List<RecordStep> beforeWindow, Window window,
                        List<RecordStep> afterWindow, Duration idleTimeout) {
        this.eventTime = eventTime;
        this.beforeWindow = beforeWindow;
        this.window = window;
        this.afterWindow = afterWindow;
        this.idleTimeout = idleTimeout;
    }

    /** Compiles a spec that {@code SpecValidator} accepted; anything else is a programming error. */
    public static CompiledJob compile(StreamJobSpec spec) {
        try {
            Duration idle = (spec.eventTime == null ? new EventTimeSpec() : spec.eventTime).idleTimeoutOrDefault();
            List<RecordStep> before = new ArrayList<>();
            List<RecordStep> after = new ArrayList<>();
            Window window = null;
            List<StepSpec> steps = SqlPipeline.steps(spec);
            // a SQL job's dead letters name the step of the pipeline its query translates to (weir explain shows it)
            String prefix = spec.sql == null ? "spec.pipeline" : "spec.sql pipeline";
            for (int i = 0; i < steps.size(); i++) {
                StepSpec step = steps.get(i);
                String path = prefix + "[" + i + "]";
                if (step.window != null) {
                    window = compileWindow(step.window, spec.eventTime);
                } else {
                    (window == null ? before : after).add(compileStep(step, path));
                }
            }
            return new CompiledJob(EventTimeReader.of(spec.eventTime), List.copyOf(before), window, List.copyOf(after), idle);
        } catch (ExpressionException e) {
            throw new IllegalArgumentException("spec was not validated: " + e.getMessage(), e);
        }
    }

    private static RecordStep compileStep(StepSpec step, String path) throws ExpressionException {
        if (step.filter != null) {
            return new RecordStep.Filter(path + ".filter", Expression.compile(step.filter));
        }
        Map<String, Expression> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : step.map.entrySet()) {
            outputs.put(e.getKey(), Expression.compile(e.getValue()));
        }
        return new RecordStep.MapFields(path + ".map", outputs);
    }

    private static Window compileWindow(WindowSpec spec, EventTimeSpec eventTime) throws ExpressionException {
        WindowShape shape;
        if (spec.tumbling != null) {
            shape = new WindowShape.Tumbling(millis(spec.tumbling));
        } else if (spec.hopping != null) {
            shape = new WindowShape.Hopping(millis(spec.hopping.size), millis(spec.hopping.advance));
        } else {
            shape = new WindowShape.Session(millis(spec.session.gap));
        }
        List<Aggregates.Named> aggregates = new ArrayList<>();
        for (Map.Entry<String, String> e : spec.aggregate.entrySet()) {
            aggregates.add(new Aggregates.Named(e.getKey(), AggregateCall.parse(e.getValue())));
        }
        long lateness = spec.allowedLatenessOrDefault(eventTime).toMillis();
        return new Window(spec.keyBy, shape, lateness, new Aggregates(aggregates));
    }

    private static long millis(String duration) {
        return Durations.parse(duration).toMillis();
    }

    public Window window() {
        return window;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @param nowMs the wall clock as the record is read (event times far ahead of it are rejected) */
    public long eventTime(Map<String, Object> record, long sourceTimestamp, long nowMs) throws RecordRejected {
        return eventTime.read(record, sourceTimestamp, nowMs);
    }

    /** The steps before the window (all steps when there is none); null when a filter drops the record. */
    public Map<String, Object> beforeWindow(Map<String, Object> record) throws RecordRejected {
        return RecordStep.applyAll(beforeWindow, record);
    }

    public Map<String, Object> afterWindow(Map<String, Object> record) throws RecordRejected {
        return RecordStep.applyAll(afterWindow, record);
    }

    /** The JSON bytes of the record's window key. */
    public byte[] key(Map<String, Object> record) throws RecordRejected {
        Object value = record.get(window.keyBy());
        if (value == null) {
            throw new RecordRejected(DeadLetterReason.missing_key, "key field '" + window.keyBy() + "' is missing");
        }
        return Json.writeKey(value);
    }
}

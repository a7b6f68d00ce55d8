package dev.weir.runtime.pipeline;

import java.util.Map;

/**
 * What happens to records on their way through a job, told to the job's metrics and tracing alike: engines call this
 * one listener on the record path, and nothing else. Each record read gets a {@link RecordTrace} that goes with it
 * to its outcome, and each outcome (dropped, keyed, written, dead letter) ends it. Every method does nothing by
 * default, so a listener implements what it observes.
 */
public interface RecordListener {
    /**
     * A record read from the source.
     *
     * @param position    where it was read
     * @param traceparent the W3C {@code traceparent} the record carried (a Kafka header, a Kinesis payload field), or
     *                    null
     */
    default RecordTrace recordIn(SourcePosition position, String traceparent) {
        return RecordTrace.NONE;
    }

    /** A keyed record reaches its window task with the context its source stage carried ({@code traceparent}). */
    default RecordTrace keyedIn(String traceparent) {
        return RecordTrace.NONE;
    }

    /** A filter before the window (or, without one, before the sink) dropped the record. */
    default void dropped(RecordTrace trace) {
    }

    /** The record goes on to its window task. */
    default void keyed(RecordTrace trace) {
    }

    /** The window task took the record into its windows (it was not late). */
    default void windowed(RecordTrace trace) {
    }

    /** A window closed; {@code inputs} are the traced records it aggregated. Returns the window's own trace. */
    default RecordTrace windowClosed(Map<String, Object> window, WindowInputs inputs) {
        return RecordTrace.NONE;
    }

    /** A filter after the window dropped a closed window; by default as {@link #dropped} does for a record. */
    default void windowDropped(RecordTrace trace) {
        dropped(trace);
    }

    /** The record, or a window, was written to the sink. */
    default void recordOut(RecordTrace trace) {
    }

    /** The record went to the dead-letter sink. Returns the trace of the dead letter. */
    default RecordTrace deadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
        return RecordTrace.NONE;
    }

    /** A closed window went to the dead-letter sink; by default as {@link #deadLetter} does for a record. */
    default RecordTrace windowDeadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
        return deadLetter(trace, reason, message);
    }

    /** The watermark of a window task, in epoch millis. */
    default void watermark(long value) {
    }

    /** Whether window tasks should keep the contexts of their windows' traced inputs ({@link WindowInputs}). */
    default boolean linksWindowInputs() {
        return false;
    }

    /**
     * This listener, then {@code next}, for every event. Of the traces the two return, {@code next}'s wins unless it is
     * {@link RecordTrace#NONE}: at most one listener of a chain traces.
     */
    default RecordListener andThen(RecordListener next) {
        RecordListener first = this;
        return new RecordListener() {
            @Override
            public RecordTrace recordIn(SourcePosition position, String traceparent) {
                return either(first.recordIn(position, traceparent), next.recordIn(position, traceparent));
            }

            @Override
            public RecordTrace keyedIn(String traceparent) {
                return either(first.keyedIn(traceparent), next.keyedIn(traceparent));
            }

            @Override
            public void dropped(RecordTrace trace) {
                first.dropped(trace);
                next.dropped(trace);
            }

            @Override
            public void keyed(RecordTrace trace) {
                first.keyed(trace);
                next.keyed(trace);
            }

            @Override
            public void windowed(RecordTrace trace) {
                first.windowed(trace);
                next.windowed(trace);
            }

            @Override
            public void windowDropped(RecordTrace trace) {
                first.windowDropped(trace);
                next.windowDropped(trace);
            }

            @Override
            public RecordTrace windowClosed(Map<String, Object> window, WindowInputs inputs) {
                return either(first.windowClosed(window, inputs), next.windowClosed(window, inputs));
            }

            @Override
            public void recordOut(RecordTrace trace) {
                first.recordOut(trace);
                next.recordOut(trace);
            }

            @Override
            public RecordTrace deadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
                return either(first.deadLetter(trace, reason, message), next.deadLetter(trace, reason, message));
            }

            @Override
            public RecordTrace windowDeadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
                return either(first.windowDeadLetter(trace, reason, message),
                        next.windowDeadLetter(trace, reason, message));
            }

            @Override
            public void watermark(long value) {
                first.watermark(value);
                next.watermark(value);
            }

            @Override
            public boolean linksWindowInputs() {
                return first.linksWindowInputs() || next.linksWindowInputs();
            }
        };
    }

    private static RecordTrace either(RecordTrace first, RecordTrace next) {
        return next == RecordTrace.NONE ? first : next;
    }
}

package dev.weir.runtime.pipeline;

/**
 * A record's trace while it is on its way through the job, handed back to the {@link RecordListener} at each step.
 * Engines only read its {@link #context()}, to carry it on; {@link #NONE} is the trace of a record not traced.
 */
public interface RecordTrace {
    RecordTrace NONE = () -> null;

    /** The context the record's next hop carries (a header, the window state); null when the record is not traced. */
    TraceParent context();
}

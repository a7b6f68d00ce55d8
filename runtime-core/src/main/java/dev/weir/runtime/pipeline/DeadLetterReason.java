package dev.weir.runtime.pipeline;

/** Why a record went to the dead-letter sink; the lower-case names are the wire form. */
public enum DeadLetterReason {
    malformed,
    bad_event_time,
    expression_error,
    missing_key,
    late,
    /** Larger than a Kafka record may be: an input line of {@code weir run}, or what the job would write. */
    too_large
}

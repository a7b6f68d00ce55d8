package dev.weir.runtime.pipeline;

import java.util.Map;

/**
 * The one step every engine runs where a source record is read (docs/architecture.md, "Semantics every engine must
 * give"): decode the JSON object, read its event time, run the steps before the window, then take the window key and
 * the aggregates' arguments. Engines differ in where the result goes (a repartition topic, an in-process window
 * stage), never in what it is. Size limits are the engine's: they depend on what it writes to.
 */
public final class Ingest {
    private final CompiledJob job;

    public Ingest(CompiledJob job) {
        this.job = job;
    }

    /**
     * @param payload     the record's bytes (null: a record without a value)
     * @param arrivalTime when the source system took the record (Kafka's record timestamp, Kinesis'
     *                    approximate arrival time): the event time of a job without an event-time field
     * @param nowMs       the wall clock as the record is read (event times far ahead of it are rejected)
     */
    public Result ingest(byte[] payload, long arrivalTime, long nowMs) {
        long eventTime = WatermarkTracker.UNKNOWN;
        try {
            Map<String, Object> value = Json.parseObject(payload);
            eventTime = job.eventTime(value, arrivalTime, nowMs);
            Map<String, Object> kept = job.beforeWindow(value);
            if (kept == null) {
                return new Filtered(eventTime);
            }
            if (job.window() == null) {
                return new Passed(eventTime, kept);
            }
            return new Keyed(eventTime, kept, job.key(kept), job.window().aggregates().arguments(kept));
        } catch (MalformedRecordException e) {
            return new Rejected(eventTime, DeadLetterReason.malformed, e.getMessage());
        } catch (RecordRejected e) {
            return new Rejected(eventTime, e.reason(), e.getMessage());
        }
    }

    /**
     * What became of a record. {@link #eventTime()} is its event time once read ({@link WatermarkTracker#UNKNOWN}
     * when the record was rejected before): it counts towards the split's progress even when the record is filtered
     * or rejected later.
     */
    public sealed interface Result permits Keyed, Passed, Filtered, Rejected {
        long eventTime();
    }

    /** For the window stage: the window key (JSON bytes) and the aggregates' arguments. */
    public record Keyed(long eventTime, Map<String, Object> kept, byte[] key, Object[] args) implements Result {}

    /** A job without a window: the record as the steps left it, for the sink. */
    public record Passed(long eventTime, Map<String, Object> kept) implements Result {}

    /** A filter dropped it. */
    public record Filtered(long eventTime) implements Result {}

    /** For the dead letter, with the reason and what is wrong. */
    public record Rejected(long eventTime, DeadLetterReason reason, String message) implements Result {}
}

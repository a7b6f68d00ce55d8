package dev.weir.kinesis.engine;

import dev.weir.kinesis.KinesisException;
import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.RejectedRecord;
import dev.weir.kinesis.SinkRecord;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.RecordRejected;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.TraceField;
import dev.weir.runtime.pipeline.WindowInputs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one stage of a Kinesis engine writes, gathered until {@link #flush}: records to the sink (a passed record, a
 * closed window, keyed by its window key) and dead letters with their reason, payload and source position. One per
 * thread that writes (the single-process engine's lock, each window task of the shuffle): not thread-safe; the sinks
 * it writes through are.
 */
final class RecordOutputs {

    private final CompiledJob job;
    private final RecordListener listener;
    private final TraceField traceField;
    private final String sourceStream;
    private final String sinkStream;
    private final String deadLetterStream;
    private final int maxRecordBytes;
    private final KinesisSink sink;
    private final KinesisSink deadLetterSink;
    private final List<SinkRecord> toSink = new ArrayList<>();
    private final List<SinkRecord> toDeadLetter = new ArrayList<>();

    RecordOutputs(CompiledJob job, RecordListener listener, TraceField traceField, String sourceStream,
                  String sinkStream, String deadLetterStream, int maxRecordBytes, KinesisSink sink,
                  KinesisSink deadLetterSink) {
        this.job = job;
        this.listener = listener;
        this.traceField = traceField;
        this.sourceStream = sourceStream;
        this.sinkStream = sinkStream;
        this.deadLetterStream = deadLetterStream;
        this.maxRecordBytes = maxRecordBytes;
        this.sink = sink;
        this.deadLetterSink = deadLetterSink;
    }

    /** A record the pipeline passed without a window: to the sink under its source partition key. */
    void passed(String partitionKey, Map<String, Object> kept, RecordTrace trace) throws RecordRejected {
        byte[] out = Json.writeOutput(traceField.carrying(kept, trace));
        SinkRecord record = new SinkRecord(partitionKey, out);
        if (record.size() > maxRecordBytes) {
            throw new RecordRejected(DeadLetterReason.too_large, "the sink record would be " + out.length
                    + " bytes, more than a Kinesis record of at most " + maxRecordBytes
                    + " bytes may hold next to its partition key");
        }
        toSink.add(record);
        listener.recordOut(trace);
    }

    /**
     * A source record to the dead letter: its payload ({@code payloadBytes} long at the source, {@code payload} may be
     * a prefix of it), reason and position in the source stream.
     */
    void deadLetter(String partitionKey, String shardId, String sequenceNumber, byte[] payload, long payloadBytes,
                    RecordTrace trace, DeadLetterReason reason, String message) {
        RecordTrace deadLetter = listener.deadLetter(trace, reason, message);
        String key = partitionKeyForDeadLetter(partitionKey);
        byte[] envelope = DeadLetters.envelope(reason, message, payload, payloadBytes,
                DeadLetters.kinesisSource(sourceStream, shardId, sequenceNumber),
                traceField.carrying(Map.of(), deadLetter),
                maxRecordBytes - key.getBytes(StandardCharsets.UTF_8).length);
        toDeadLetter.add(new SinkRecord(key, envelope));
    }

    /** A closed window, from a {@code WindowOperator}: to the sink keyed by its window key. */
    void window(Map<String, Object> window, long windowEnd, WindowInputs inputs) {
        Object keyValue = window.get(job.window().keyBy());
        String key = keyValue instanceof String s ? s : Json.writeString(keyValue);
        RecordTrace trace = listener.windowClosed(window, inputs);
        try {
            Map<String, Object> out = job.afterWindow(window);
            if (out == null) {
                listener.windowDropped(trace);
                return;
            }
            SinkRecord record = new SinkRecord(key, Json.writeOutput(traceField.carrying(out, trace)));
            if (record.size() > maxRecordBytes) {
                throw new RecordRejected(DeadLetterReason.too_large, "the window's sink record would be "
                        + record.data().length + " bytes, more than a Kinesis record of at most "
                        + maxRecordBytes + " bytes may hold next to its partition key");
            }
            toSink.add(record);
            listener.recordOut(trace);
        } catch (RecordRejected e) {
            RecordTrace deadLetter = listener.windowDeadLetter(trace, e.reason(), e.getMessage());
            Map<String, Object> where = new LinkedHashMap<>();
            where.put("stream", sourceStream);
            where.put("window_end", windowEnd);
            byte[] payload = Json.writeString(window).getBytes(StandardCharsets.UTF_8);
            byte[] envelope = DeadLetters.envelope(e.reason(), e.getMessage(), payload, payload.length, where,
                    traceField.carrying(Map.of(), deadLetter),
                    maxRecordBytes - key.getBytes(StandardCharsets.UTF_8).length);
            toDeadLetter.add(new SinkRecord(key, envelope));
        }
    }

    /** Writes what was gathered; blocks while the streams throttle, which holds back the reads. */
    void flush() {
        try {
            if (!toSink.isEmpty()) {
                List<RejectedRecord> rejected = sink.put(List.copyOf(toSink));
                toSink.clear();
                for (RejectedRecord r : rejected) {
                    byte[] data = r.record().data();
                    Map<String, Object> where = new LinkedHashMap<>();
                    where.put("stream", sinkStream);
                    where.put("partition_key", r.record().partitionKey());
                    toDeadLetter.add(new SinkRecord(partitionKeyForDeadLetter(r.record().partitionKey()),
                            DeadLetters.envelope(DeadLetterReason.too_large, "the sink stream refused the record: "
                                    + r.reason(), data, data.length, where, maxRecordBytes - 256)));
                }
            }
            if (!toDeadLetter.isEmpty()) {
                List<RejectedRecord> rejected = deadLetterSink.put(List.copyOf(toDeadLetter));
                toDeadLetter.clear();
                if (!rejected.isEmpty()) {
                    throw new KinesisException("the dead-letter stream " + deadLetterStream + " refused "
                            + rejected.size() + " dead letters, the first because " + rejected.get(0).reason(), null);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KinesisException("interrupted while writing to " + sinkStream, e);
        }
    }

    /** Partition keys are 1 to 256 characters; a longer key is cut, an empty one named. */
    static String partitionKeyForDeadLetter(String key) {
        return key.isEmpty() ? "weir-dead-letter" : key.length() <= 256 ? key : key.substring(0, 256);
    }
}

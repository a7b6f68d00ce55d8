package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.MalformedRecordException;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.RecordRejected;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.WatermarkTracker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Runs where a source partition is read: decode, event time, the steps before the window, key and
 * aggregate arguments. With a window it sends records keyed to the window tasks, and reports its
 * partition's progress to all of them every {@code progressInterval}.
 */
final class SourceProcessor implements Processor<byte[], byte[], byte[], Routed> {
    private static final Logger LOG = Logger.getLogger(SourceProcessor.class);
    private static final byte[] NO_KEY = new byte[0];

    private final CompiledJob job;
    private final RecordListener listener;
    private final Duration progressInterval;
    private final long idleTimeoutMs;
    private ProcessorContext<byte[], Routed> context;
    private int partition;
    private long partitionMax = WatermarkTracker.UNKNOWN;
    private long lastReadMs;
    private long nextOffset;

    SourceProcessor(CompiledJob job, RecordListener listener, Duration progressInterval, Duration idleTimeout) {
        this.job = job;
        this.listener = listener;
        this.progressInterval = progressInterval;
        this.idleTimeoutMs = idleTimeout == null ? Long.MAX_VALUE : idleTimeout.toMillis();
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
        this.partition = context.taskId().partition();
        // init runs again when Kafka Streams revives a task and rewinds it to the last commit (e.g. an
        // aborted transaction): what was read since then must not count, or the rewound records look late
        this.partitionMax = WatermarkTracker.UNKNOWN;
        this.nextOffset = -1;
        // not context.currentSystemTimeMs(): before the task's first record that cached clock can be far
        // in the past (even 0), which would make a partition look idle since 1970 at the first report
        this.lastReadMs = System.currentTimeMillis();
        LOG.infof("source task %s starts", context.taskId());
        if (job.window() != null) {
            context.schedule(progressInterval, PunctuationType.WALL_CLOCK_TIME, this::reportProgress);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        if (meta.offset() < nextOffset) {
            LOG.warnf("source task %s rewound from offset %d to %d: forgetting its progress", context.taskId(),
                    nextOffset, meta.offset());
            partitionMax = WatermarkTracker.UNKNOWN;
        }
        if (nextOffset < 0) {
            LOG.infof("source task %s reads from offset %d", context.taskId(), meta.offset());
        }
        nextOffset = meta.offset() + 1;
        lastReadMs = System.currentTimeMillis();
        if (EndOfInput.isMarked(record.headers())) {
            partitionMax = Long.MAX_VALUE;
            if (job.window() == null) {
                EndOfInput.send(context, partition, record.timestamp());
            } else {
                reportProgress(lastReadMs);
            }
            return;
        }
        RecordTrace trace = listener.recordIn(meta.partition(), meta.offset(),
                TraceHeaders.traceparent(record.headers()));
        try {
            Map<String, Object> value = Json.parseObject(record.value());
            long eventTime = job.eventTime(value, record.timestamp());
            partitionMax = Math.max(partitionMax, eventTime);
            Map<String, Object> kept = job.beforeWindow(value);
            if (kept == null) {
                listener.dropped(trace);
                return;
            }
            if (job.window() == null) {
                context.forward(TraceHeaders.carrying(record.withValue(Routed.sink(Json.write(kept))), trace));
                listener.recordOut(trace);
                return;
            }
            byte[] key = job.key(kept);
            Object[] args = job.window().aggregates().arguments(kept);
            Envelope data = new Envelope.Data(meta.partition(), partitionMax, eventTime, meta.offset(), args,
                    record.value());
            context.forward(TraceHeaders.carrying(
                    record.withKey(key).withValue(Routed.keyed(Envelope.encode(data), false)), trace));
            listener.keyed(trace);
        } catch (MalformedRecordException e) {
            deadLetter(record, meta, trace, DeadLetterReason.malformed, e.getMessage());
        } catch (RecordRejected e) {
            deadLetter(record, meta, trace, e.reason(), e.getMessage());
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, RecordMetadata meta, RecordTrace trace,
                            DeadLetterReason reason, String message) {
        String payload = record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
        byte[] envelope = DeadLetters.envelope(reason, message, payload, meta.topic(), meta.partition(),
                meta.offset());
        RecordTrace deadLetter = listener.deadLetter(trace, reason, message);
        context.forward(TraceHeaders.carrying(record.withValue(Routed.deadLetter(envelope)), deadLetter));
    }

    private void reportProgress(long now) {
        long idleFor = now - lastReadMs;
        Envelope.Progress progress;
        if (partitionMax != Long.MAX_VALUE && idleFor >= idleTimeoutMs) {
            progress = new Envelope.Progress(partition, partitionMax, idleFor);
        } else if (partitionMax != WatermarkTracker.UNKNOWN) {
            progress = new Envelope.Progress(partition, partitionMax, Envelope.ACTIVE);
        } else {
            return;
        }
        context.forward(new Record<>(NO_KEY, Routed.keyed(Envelope.encode(progress), true), now));
    }
}

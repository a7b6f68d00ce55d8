package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Ingest;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.RecordRejected;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.SourcePosition;
import dev.weir.runtime.pipeline.Utf8;
import dev.weir.runtime.pipeline.WatermarkTracker;
import dev.weir.runtime.pipeline.WindowOperator;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
    private static final byte[] NO_PAYLOAD = new byte[0];

    private final CompiledJob job;
    private final Ingest ingest;
    private final RecordListener listener;
    private final Duration progressInterval;
    private final long idleTimeoutMs;
    private final RecordSizes sizes;
    private ProcessorContext<byte[], Routed> context;
    private int partition;
    private long partitionMax = WatermarkTracker.UNKNOWN;
    private boolean ended;
    private long lastReadMs;
    private long nextOffset;

    SourceProcessor(CompiledJob job, RecordListener listener, Duration progressInterval, Duration idleTimeout,
                    RecordSizes sizes) {
        this.job = job;
        this.ingest = new Ingest(job);
        this.listener = listener;
        this.progressInterval = progressInterval;
        this.idleTimeoutMs = idleTimeout == null ? Long.MAX_VALUE : idleTimeout.toMillis();
        this.sizes = sizes;
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
        this.partition = context.taskId().partition();
        // init runs again when Kafka Streams revives a task and rewinds it to the last commit (e.g. an
        // aborted transaction): what was read since then must not count, or the rewound records look late
        this.partitionMax = WatermarkTracker.UNKNOWN;
        this.ended = false;
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
            ended = false;
        }
        if (nextOffset < 0) {
            LOG.infof("source task %s reads from offset %d", context.taskId(), meta.offset());
        }
        nextOffset = meta.offset() + 1;
        lastReadMs = System.currentTimeMillis();
        if (EndOfInput.isMarked(record.headers())) {
            ended = true;
            if (job.window() == null) {
                EndOfInput.send(context, partition, record.timestamp());
            } else {
                reportProgress(lastReadMs);
            }
            return;
        }
        RecordTrace trace = listener.recordIn(new SourcePosition.Offset(meta.partition(), meta.offset()),
                TraceHeaders.traceparent(record.headers()));
        long tooLargeBytes = TruncatedInput.originalSize(record.headers());
        if (tooLargeBytes >= 0) {
            deadLetter(record, meta, trace, DeadLetterReason.too_large, "a record of " + tooLargeBytes + " bytes, more"
                    + " than a Kafka record may hold (max.request.size); its first bytes are kept", tooLargeBytes);
            return;
        }
        Ingest.Result result = ingest.ingest(record.value(), record.timestamp(), lastReadMs);
        partitionMax = Math.max(partitionMax, result.eventTime());
        try {
            if (result instanceof Ingest.Keyed k) {
                Record<byte[], byte[]> traced = TraceHeaders.carrying(record, trace);
                byte[] keyed = keyedEnvelope(traced, meta, k.key(), k.eventTime(), k.args());
                context.forward(traced.withKey(k.key()).withValue(Routed.keyed(keyed, false)));
                listener.keyed(trace);
            } else if (result instanceof Ingest.Passed p) {
                writeToSink(TraceHeaders.carrying(record, trace), p.kept(), trace);
            } else if (result instanceof Ingest.Rejected r) {
                deadLetter(record, meta, trace, r.reason(), r.message());
            } else {
                listener.dropped(trace);
            }
        } catch (RecordRejected e) {
            deadLetter(record, meta, trace, e.reason(), e.getMessage());
        }
    }

    /** {@code record} carries the trace's context already, so its headers are the ones measured. */
    private void writeToSink(Record<byte[], byte[]> record, Map<String, Object> kept, RecordTrace trace)
            throws RecordRejected {
        byte[] out = Json.writeOutput(kept);
        if (!sizes.fits(record.key(), out, record.headers())) {
            throw new RecordRejected(DeadLetterReason.too_large, "the sink record would be " + out.length
                    + " bytes, more than the " + sizes.valueBudget(record.key(), record.headers())
                    + " a value may have next to its key and headers in a record of at most " + sizes.maxRecordBytes()
                    + " bytes");
        }
        context.forward(record.withValue(Routed.sink(out)));
        listener.recordOut(trace);
    }

    /**
     * The record as the window needs it. Its payload serves only a dead letter: it rides along, cut to fit, when the
     * record can turn out late by this partition's own progress; otherwise the window task reads it back from the
     * source topic in the rare case it needs it (a watermark that moved on without this partition, an aggregate out
     * of range), which keeps most of the payload bytes out of the keyed topic.
     */
    private byte[] keyedEnvelope(Record<byte[], byte[]> record, RecordMetadata meta, byte[] key, long eventTime,
                                 Object[] args) throws RecordRejected {
        byte[] payload = record.value();
        int room = sizes.valueBudget(key, record.headers()) - Envelope.dataOverhead(args.length);
        int stateEntry = WindowOperator.largestStateEntry(key.length, job.window().aggregates());
        if (room < 0 || stateEntry > sizes.valueBudget(null)) {
            throw new RecordRejected(DeadLetterReason.too_large, "key field '" + job.window().keyBy() + "' is "
                    + key.length + " bytes: with the record's headers, too large for the keyed topic or the window"
                    + " state, whose records are at most " + sizes.maxRecordBytes() + " bytes");
        }
        CompiledJob.Window window = job.window();
        byte[] carried = !WindowOperator.canBeLate(window.shape(), window.allowedLateness(), eventTime, partitionMax)
                ? NO_PAYLOAD
                : payload.length <= room ? payload : Arrays.copyOf(payload, Utf8.prefixLength(payload, room));
        return Envelope.encode(new Envelope.Data(meta.partition(), partitionMax, eventTime, meta.offset(), args,
                carried, payload.length));
    }

    private void deadLetter(Record<byte[], byte[]> record, RecordMetadata meta, RecordTrace trace,
                            DeadLetterReason reason, String message) {
        deadLetter(record, meta, trace, reason, message, record.value() == null ? 0 : record.value().length);
    }

    private void deadLetter(Record<byte[], byte[]> record, RecordMetadata meta, RecordTrace trace,
                            DeadLetterReason reason, String message, long payloadBytes) {
        RecordTrace deadLetter = listener.deadLetter(trace, reason, message);
        Record<byte[], byte[]> traced = TraceHeaders.carrying(record, deadLetter);
        Record<byte[], byte[]> carrier = sizes.valueBudget(traced.key(), traced.headers()) >= DeadLetters.SMALLEST
                ? traced : traced.withKey((byte[]) null).withHeaders(new RecordHeaders());
        byte[] envelope = DeadLetters.envelope(reason, message, record.value(), payloadBytes, meta.topic(),
                meta.partition(), meta.offset(), sizes.valueBudget(carrier.key(), carrier.headers()));
        context.forward(carrier.withValue(Routed.deadLetter(envelope)));
    }

    private void reportProgress(long now) {
        long idleFor = now - lastReadMs;
        Envelope progress;
        if (ended) {
            // repeated, like progress, so a window task that restarts learns it again
            progress = new Envelope.Ended(partition);
        } else if (idleFor >= idleTimeoutMs) {
            progress = new Envelope.Progress(partition, partitionMax, idleFor);
        } else if (partitionMax != WatermarkTracker.UNKNOWN) {
            progress = new Envelope.Progress(partition, partitionMax, Envelope.ACTIVE);
        } else {
            return;
        }
        context.forward(new Record<>(NO_KEY, Routed.keyed(Envelope.encode(progress), true), now));
    }
}

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
import dev.weir.runtime.pipeline.WindowShape;
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

    private final CompiledJob job;
    private final Ingest ingest;
    private final RecordListener listener;
    private final Duration progressInterval;
    private final long idleTimeoutMs;
    private final RecordSizes sizes;
    private final String sourceTopic;
    /** Records held back to cross the keyed topic in batches; null when the job's window does not allow it. */
    private final KeyedBatches batches;
    /** Per partition of the keyed topic, the group its held batches are sent in; null without batches. */
    private final Envelope.GroupWriter[] groups;
    private final long[] groupTimestamps;
    private ProcessorContext<byte[], Routed> context;
    private int partition;
    private long partitionMax = WatermarkTracker.UNKNOWN;
    private boolean ended;
    private long lastReadMs;
    private long nextOffset;

    SourceProcessor(CompiledJob job, RecordListener listener, Duration progressInterval, Duration idleTimeout,
                    RecordSizes sizes, String sourceTopic, int keyedPartitions) {
        this.job = job;
        this.sourceTopic = sourceTopic;
        this.batches = job.window() != null && job.window().shape() instanceof WindowShape.Tumbling
                ? new KeyedBatches() : null;
        this.groups = batches == null ? null : new Envelope.GroupWriter[keyedPartitions];
        this.groupTimestamps = batches == null ? null : new long[keyedPartitions];
        if (groupTimestamps != null) {
            Arrays.fill(groupTimestamps, Long.MIN_VALUE);
        }
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
        if (batches != null) {
            // held batches are of records after the last commit, which are read again now
            batches.clear();
            PreCommitFlush hook = context.getStateStore(PreCommitFlush.NAME);
            hook.runBeforeCommit(context, sourceTopic, this::sendBatches);
        }
        if (job.window() != null) {
            context.schedule(progressInterval, PunctuationType.WALL_CLOCK_TIME, this::reportProgress);
        }
    }

    /**
     * A task closes clean after its last commit, which sent its batches; closed dirty, its records since then are
     * read again: either way nothing held is left to send, even by another task's commit (PreCommitFlush).
     */
    @Override
    public void close() {
        if (batches != null) {
            batches.clear();
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
            if (batches != null) {
                batches.clear();
            }
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
        long max = Math.max(partitionMax, result.eventTime());
        if (batches != null && batches.wouldClose(max, job.window().allowedLateness())) {
            // sent with the maximum before this record, below every held window's close
            sendBatches();
        }
        partitionMax = max;
        try {
            if (result instanceof Ingest.Keyed k && batchable(k, trace)) {
                batch(record, meta, k);
                listener.keyed(trace);
            } else if (result instanceof Ingest.Keyed k) {
                sendHeldBatchOf(k);
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

    /**
     * Whether a record can wait in a batch: it is not traced (its span context rides in its own record's headers),
     * and its window cannot close by this partition's own progress so far, so it needs no payload either.
     */
    private boolean batchable(Ingest.Keyed k, RecordTrace trace) {
        CompiledJob.Window window = job.window();
        return batches != null && trace == RecordTrace.NONE
                && !WindowOperator.canBeLate(window.shape(), window.allowedLateness(), k.eventTime(), partitionMax);
    }

    private void batch(Record<byte[], byte[]> record, RecordMetadata meta, Ingest.Keyed k) throws RecordRejected {
        byte[] key = k.key();
        int room = sizes.valueBudget(key) - Envelope.batchOverhead();
        int perRecord = Envelope.largestBatchEntry(k.args().length);
        requireKeyFits(key, room - perRecord, "");
        long end = WindowShape.lastEnd(job.window().shape(), k.eventTime());
        long start = end - ((WindowShape.Tumbling) job.window().shape()).size();
        KeyedBatches.Builder full = batches.add(key, start, end, room / perRecord, meta.offset(),
                k.eventTime(), record.value() == null ? 0 : record.value().length, k.args(), record.timestamp());
        if (full != null) {
            send(full);
        }
        if (batches.full()) {
            sendBatches();
        }
    }

    /** Sends the batch held for this record's key and window first, if any: a key's records keep their order. */
    private void sendHeldBatchOf(Ingest.Keyed k) {
        if (batches == null || !(job.window().shape() instanceof WindowShape.Tumbling tumbling)) {
            return;
        }
        long end = WindowShape.lastEnd(tumbling, k.eventTime());
        KeyedBatches.Builder held = batches.take(k.key(), end - tumbling.size());
        if (held != null) {
            send(held);
        }
    }

    /**
     * Refuses a key that leaves a keyed record {@code roomLeft} bytes short (below 0), or whose window state entry
     * would not fit a record.
     */
    private void requireKeyFits(byte[] key, int roomLeft, String besides) throws RecordRejected {
        if (roomLeft < 0 || WindowOperator.largestStateEntry(key.length, job.window().aggregates())
                > sizes.valueBudget(null)) {
            throw new RecordRejected(DeadLetterReason.too_large, "key field '" + job.window().keyBy() + "' is "
                    + key.length + " bytes: " + besides + "too large for the keyed topic or the window state, whose"
                    + " records are at most " + sizes.maxRecordBytes() + " bytes");
        }
    }

    /**
     * Sends every held batch, with the partition's maximum now: each window's close is still above it. The batches
     * bound for one window task go in one keyed record ({@link Envelope.Group}), as many as fit it.
     */
    private void sendBatches() {
        if (batches == null || batches.isEmpty()) {
            return;
        }
        int budget = sizes.valueBudget(NO_KEY);
        for (KeyedBatches.Builder batch : batches.drain()) {
            int p = Routed.partitionOf(batch.key, groups.length);
            if (groups[p] == null) {
                groups[p] = new Envelope.GroupWriter();
            }
            if (!batch.addTo(groups[p], partition, partitionMax, budget)) {
                if (!groups[p].isEmpty()) {
                    sendGroup(p);
                }
                if (!batch.addTo(groups[p], partition, partitionMax, budget)) {
                    // larger than a group can take: alone it fits a keyed record (its capacity says so)
                    send(batch);
                    continue;
                }
            }
            groupTimestamps[p] = Math.max(groupTimestamps[p], batch.timestamp());
        }
        for (int p = 0; p < groups.length; p++) {
            if (groups[p] != null && !groups[p].isEmpty()) {
                sendGroup(p);
            }
        }
    }

    private void sendGroup(int p) {
        byte[] value = groups[p].finish();
        context.forward(new Record<>(NO_KEY, Routed.keyedTo(value, p), groupTimestamps[p]));
        groupTimestamps[p] = Long.MIN_VALUE;
    }

    private void send(KeyedBatches.Builder batch) {
        byte[] value = batch.encode(partition, partitionMax);
        context.forward(new Record<>(batch.key, Routed.keyed(value, false), batch.timestamp()));
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
        requireKeyFits(key, room, "with the record's headers, ");
        CompiledJob.Window window = job.window();
        byte[] carried = !WindowOperator.canBeLate(window.shape(), window.allowedLateness(), eventTime, partitionMax)
                ? Envelope.NO_PAYLOAD
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
            sendBatches();
            // repeated, like progress, so a window task that restarts learns it again
            progress = new Envelope.Ended(partition);
        } else if (idleFor >= idleTimeoutMs) {
            // lets the window tasks' watermark move on without this partition: no batch may come after it. An
            // active report needs no such care: it carries the maximum that held batches were kept below.
            sendBatches();
            progress = new Envelope.Progress(partition, partitionMax, idleFor);
        } else if (partitionMax != WatermarkTracker.UNKNOWN) {
            progress = new Envelope.Progress(partition, partitionMax, Envelope.ACTIVE);
        } else {
            return;
        }
        context.forward(new Record<>(NO_KEY, Routed.keyed(Envelope.encode(progress), true), now));
    }
}

package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.RecordRejected;
import dev.weir.runtime.pipeline.RecordTrace;
import dev.weir.runtime.pipeline.SplitProgress;
import dev.weir.runtime.pipeline.WatermarkTracker;
import dev.weir.runtime.pipeline.WindowInputs;
import dev.weir.runtime.pipeline.WindowOperator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Runs where keyed records arrive: keeps the watermark from the source partitions' progress, the
 * open windows in a state store, and emits each window once it closes. Late records go to the
 * dead letter. When every source partition has ended (end of input), it tells the sink and the
 * dead-letter topics with a control record.
 */
final class WindowProcessor implements Processor<byte[], Routed, byte[], Routed> {
    private static final Logger LOG = Logger.getLogger(WindowProcessor.class);
    private final CompiledJob job;
    private final RecordListener listener;
    private final int sourcePartitions;
    private final String sourceTopic;
    private final RecordSizes sizes;
    private ProcessorContext<byte[], Routed> context;
    private WindowOperator windows;
    private WatermarkTracker watermark;
    private SplitProgress splits;
    private long timestamp;
    private boolean endSent;
    /** Opened at the first dead letter whose payload stayed in the source topic. */
    private SourcePayloads payloads;

    WindowProcessor(CompiledJob job, RecordListener listener, int sourcePartitions, String sourceTopic,
                    RecordSizes sizes) {
        this.job = job;
        this.listener = listener;
        this.sourcePartitions = sourcePartitions;
        this.sourceTopic = sourceTopic;
        this.sizes = sizes;
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
        KeyValueStore<Bytes, byte[]> store = context.getStateStore(JobTopics.WINDOW_STORE);
        PreCommitFlush hook = context.getStateStore(PreCommitFlush.WINDOW_NAME);
        hook.flushCacheBeforeCommit(context, store);
        CompiledJob.Window w = job.window();
        windows = new WindowOperator(w.shape(), w.allowedLateness(), w.keyBy(), w.aggregates(),
                new KafkaOrderedStore(store), this::emit, listener.linksWindowInputs());
        watermark = new WatermarkTracker(sourcePartitions, windows.closedWatermark());
        splits = new SplitProgress(new KafkaOrderedStore(store));
        splits.restore(watermark);
        endSent = false;
        LOG.infof("window task %s starts at watermark %s, %s", context.taskId(), describe(windows.closedWatermark()),
                describeSplits());
    }

    private String describeSplits() {
        long ended = watermark.splits().stream().filter(id -> watermark.hasEnded(watermark.slot(id))).count();
        return ended == 0 ? "no source partition ended" : ended + " of " + sourcePartitions
                + " source partitions ended";
    }

    private static String describe(long watermark) {
        if (watermark == WatermarkTracker.UNKNOWN) {
            return "(none yet)";
        }
        return watermark == WatermarkTracker.END ? "(end of input)" : Instant.ofEpochMilli(watermark).toString();
    }

    @Override
    public void process(Record<byte[], Routed> record) {
        timestamp = record.timestamp();
        Envelope envelope = Envelope.decode(record.value().value());
        if (envelope instanceof Envelope.Progress p) {
            splits.progressed(Integer.toString(p.sourcePartition()), p.partitionMax());
            advance(p.idleForMs() == Envelope.ACTIVE
                    ? watermark.active(p.sourcePartition(), p.partitionMax())
                    : watermark.idle(p.sourcePartition(), p.partitionMax(), p.idleForMs()));
            return;
        }
        if (envelope instanceof Envelope.Ended e) {
            splits.ended(Integer.toString(e.sourcePartition()));
            advance(watermark.ended(e.sourcePartition()));
            if (watermark.allEnded() && !endSent) {
                sendEndOfInput();
            }
            return;
        }
        if (envelope instanceof Envelope.Batch batch) {
            addBatch(record.key(), batch);
            return;
        }
        if (envelope instanceof Envelope.Group group) {
            for (Envelope.Keyed keyed : group.batches()) {
                // what its dead letters and the windows it closes would have had as a keyed record of its own
                timestamp = keyed.timestamp();
                addBatch(keyed.key(), keyed.batch());
            }
            return;
        }
        Envelope.Data data = (Envelope.Data) envelope;
        advance(watermark.active(data.sourcePartition(), data.partitionMax()));
        RecordTrace trace = listener.keyedIn(TraceHeaders.traceparent(record.headers()));
        try {
            if (windows.add(record.key(), data.eventTime(), data.args(), trace.context())) {
                listener.windowed(trace);
                return;
            }
            String message = lateMessage(data.eventTime());
            deadLetter(record.key(), data, trace, DeadLetterReason.late, message);
            LOG.debugf("window task %s: late record from partition %d offset %d: %s", context.taskId(),
                    data.sourcePartition(), data.sourceOffset(), message);
        } catch (RecordRejected e) {
            deadLetter(record.key(), data, trace, e.reason(), e.getMessage());
        }
    }

    /** A source task's batch: each record gets what it would have got alone, in the same order. */
    private void addBatch(byte[] key, Envelope.Batch batch) {
        advance(watermark.active(batch.sourcePartition(), batch.partitionMax()));
        RecordTrace[] traces = new RecordTrace[batch.size()];
        for (int i = 0; i < traces.length; i++) {
            traces[i] = listener.keyedIn(null);
        }
        boolean[] refused = new boolean[traces.length];
        boolean open = windows.addAll(key, batch.eventTimes(), batch.args(), (i, refusal) -> {
            refused[i] = true;
            deadLetter(key, batch.record(i), traces[i], refusal.reason(), refusal.getMessage());
        });
        for (int i = 0; i < traces.length; i++) {
            if (!open) {
                deadLetter(key, batch.record(i), traces[i], DeadLetterReason.late, lateMessage(batch.eventTimes()[i]));
            } else if (!refused[i]) {
                listener.windowed(traces[i]);
            }
        }
    }

    private String lateMessage(long eventTime) {
        return "event time " + Instant.ofEpochMilli(eventTime) + " is behind the watermark "
                + Instant.ofEpochMilli(watermark.current()) + " by more than the allowed lateness";
    }

    private void deadLetter(byte[] key, Envelope.Data data, RecordTrace trace, DeadLetterReason reason,
                            String message) {
        byte[] payload = data.payload();
        long payloadBytes = data.payloadBytes();
        if (payload.length < payloadBytes) {
            // not carried through the keyed topic (its source partition's progress said it could not be late), or
            // cut to fit there: the source topic has it whole
            SourcePayloads.Read read = payloads().read(sourceTopic, data.sourcePartition(), data.sourceOffset());
            if (read.payload() != null) {
                payload = read.payload();
                payloadBytes = payload.length;
            } else {
                message = message + "; the record's " + payloadBytes + " bytes could not be read back: "
                        + read.failure();
                LOG.warnf("window task %s: dead letter of partition %d offset %d without its payload: %s",
                        context.taskId(), data.sourcePartition(), data.sourceOffset(), read.failure());
            }
        }
        RecordTrace deadLetter = listener.deadLetter(trace, reason, message);
        Record<byte[], Routed> carrier = TraceHeaders.carrying(
                new Record<>(keyForDeadLetter(key), (Routed) null, timestamp), deadLetter);
        byte[] envelope = DeadLetters.envelope(reason, message, payload, payloadBytes, sourceTopic,
                data.sourcePartition(), data.sourceOffset(), sizes.valueBudget(carrier.key(), carrier.headers()));
        context.forward(carrier.withValue(Routed.deadLetter(envelope)));
    }

    private SourcePayloads payloads() {
        if (payloads == null) {
            payloads = new SourcePayloads(context.appConfigs(), context.applicationId() + "-" + context.taskId()
                    + "-payloads");
        }
        return payloads;
    }

    @Override
    public void close() {
        if (payloads != null) {
            payloads.close();
            payloads = null;
        }
    }

    /** The key, unless it leaves a dead letter too little room: then none. */
    private byte[] keyForDeadLetter(byte[] key) {
        return sizes.valueBudget(key) >= DeadLetters.SMALLEST ? key : null;
    }

    private void advance(long w) {
        windows.advance(w);
        listener.watermark(w);
    }

    private void emit(Map<String, Object> window, long windowEnd, WindowInputs inputs) {
        Object keyValue = window.get(job.window().keyBy());
        byte[] key = keyValue instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : Json.write(keyValue);
        RecordTrace trace = listener.windowClosed(window, inputs);
        try {
            Map<String, Object> out = job.afterWindow(window);
            if (out == null) {
                listener.windowDropped(trace);
                return;
            }
            Record<byte[], Routed> traced = TraceHeaders.carrying(new Record<>(key, (Routed) null, timestamp), trace);
            byte[] value = Json.writeOutput(out);
            int budget = sizes.valueBudget(key, traced.headers());
            if (value.length > budget) {
                throw new RecordRejected(DeadLetterReason.too_large, "the window's sink record would be "
                        + value.length + " bytes, more than the " + budget
                        + " a value may have next to its key in a record of at most " + sizes.maxRecordBytes() + " bytes");
            }
            context.forward(traced.withValue(Routed.sink(value)));
            listener.recordOut(trace);
        } catch (RecordRejected e) {
            RecordTrace deadLetter = listener.windowDeadLetter(trace, e.reason(), e.getMessage());
            Record<byte[], Routed> carrier = TraceHeaders.carrying(
                    new Record<>(keyForDeadLetter(key), (Routed) null, timestamp), deadLetter);
            byte[] envelope = DeadLetters.envelope(e.reason(), e.getMessage(),
                    Json.writeString(window).getBytes(StandardCharsets.UTF_8), JobTopics.KEYED,
                    context.taskId().partition(), -1, sizes.valueBudget(carrier.key(), carrier.headers()));
            context.forward(carrier.withValue(Routed.deadLetter(envelope)));
        }
    }

    private void sendEndOfInput() {
        endSent = true;
        EndOfInput.send(context, context.taskId().partition(), timestamp);
    }
}

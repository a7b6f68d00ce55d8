package dev.weir.runtime.pipeline;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Event-time windows over an {@link OrderedStore}, the same for every engine. The caller moves the
 * watermark ({@link #advance}) before offering each record ({@link #add}); a window closes, and
 * emits one record, when the watermark reaches its end plus the allowed lateness.
 */
public final class WindowOperator {
    /** Fields of each window's record, besides its key and aggregates. */
    public static final String WINDOW_START = "window_start";
    public static final String WINDOW_END = "window_end";

    /** Receives each closed window's record, in window-end order, with its traced inputs. */
    @FunctionalInterface
    public interface Emitter {
        void emit(Map<String, Object> record, long windowEnd, WindowInputs inputs);
    }

    private final WindowShape shape;
    private final long lateness;
    private final String keyField;
    private final Aggregates aggregates;
    private final OrderedStore store;
    private final Emitter emitter;
    /** Whether windows keep their traced inputs ({@link WindowInputs}); without tracing that state is never read. */
    private final boolean linkInputs;
    /** No timer ends before this; saves a store scan per record. */
    private long earliestTimer = Long.MIN_VALUE;
    private long closedUpTo;

    public WindowOperator(WindowShape shape, long lateness, String keyField, Aggregates aggregates,
                          OrderedStore store, Emitter emitter) {
        this(shape, lateness, keyField, aggregates, store, emitter, false);
    }

    public WindowOperator(WindowShape shape, long lateness, String keyField, Aggregates aggregates,
                          OrderedStore store, Emitter emitter, boolean linkInputs) {
        this.linkInputs = linkInputs;
        this.shape = shape;
        this.lateness = lateness;
        this.keyField = keyField;
        this.aggregates = aggregates;
        this.store = store;
        this.emitter = emitter;
        byte[] persisted = store.get(StateKeys.WATERMARK);
        closedUpTo = persisted == null ? Long.MIN_VALUE : StateKeys.decodeLong(persisted);
    }

    /**
     * The largest record the state of a key of this many bytes writes (to a changelog, in Kafka): a key must leave
     * room for it.
     */
    public static int largestStateEntry(int keyLength, Aggregates aggregates) {
        return StateKeys.largestEntry(keyLength, aggregates.encodedSize());
    }

    /**
     * Whether a record of event time {@code eventTime} can find every window it belongs to closed once the watermark
     * is {@code watermarkBound} or less: whether the end of its last window (for a session, the end of a session of
     * its own) plus the allowed lateness is at most that bound. A window task's watermark never passes the largest
     * event time its record's source split had read when the record was read, unless it moved on without that split
     * (an idle advance, or a task that restarted from state while the split's reading started over): an engine that
     * sends a record's payload to its window task only when it can be late must get it back otherwise.
     */
    public static boolean canBeLate(WindowShape shape, long lateness, long eventTime, long watermarkBound) {
        if (watermarkBound == Long.MIN_VALUE) {
            return false;
        }
        return closes(WindowShape.lastEnd(shape, eventTime), lateness, watermarkBound);
    }

    /** The watermark up to which windows were closed, kept in the store: where a restarted task resumes. */
    public long closedWatermark() {
        return closedUpTo;
    }

    /** Closes and emits every window whose end + lateness ≤ watermark. */
    public void advance(long watermark) {
        if (watermark <= closedUpTo) {
            return;
        }
        closedUpTo = watermark;
        if (watermark == Long.MIN_VALUE) {
            return;
        }
        long lastClosingEnd = watermark - lateness;
        if (lastClosingEnd < earliestTimer) {
            return;
        }
        List<byte[]> due = new ArrayList<>();
        long[] next = {Long.MAX_VALUE};
        store.scan(StateKeys.timersFrom(Long.MIN_VALUE), StateKeys.TIMERS_END, (key, value) -> {
            long end = StateKeys.timerEnd(key);
            if (end > lastClosingEnd) {
                next[0] = end;
                return false;
            }
            due.add(key);
            return true;
        });
        for (byte[] timer : due) {
            byte[] windowKey = StateKeys.windowOfTimer(timer);
            byte[] window = store.get(windowKey);
            store.delete(timer);
            store.delete(windowKey);
            WindowInputs inputs = linkInputs ? WindowInputs.take(store, windowKey) : WindowInputs.NONE;
            emitter.emit(output(StateKeys.keyOfWindow(windowKey), window), StateKeys.timerEnd(timer), inputs);
        }
        earliestTimer = next[0];
        if (!due.isEmpty()) {
            store.put(StateKeys.WATERMARK, StateKeys.encodeLong(watermark));
        }
    }

    /**
     * Adds a record to its open windows, all of them or none.
     *
     * @param key the JSON bytes of the record's key value
     * @return false when every window of the record is closed: the record is late
     * @throws RecordRejected when the record would take an aggregate out of range; no window changes then
     */
    public boolean add(byte[] key, long eventTime, Object[] args) throws RecordRejected {
        return add(key, eventTime, args, null);
    }

    /**
     * {@link #add(byte[], long, Object[])} for a traced record: its windows remember {@code input} for their spans'
     * links.
     *
     * @param input the context of the record's trace, or null when it is not traced
     */
    public boolean add(byte[] key, long eventTime, Object[] args, TraceParent input) throws RecordRejected {
        if (shape instanceof WindowShape.Session session) {
            return addToSession(key, eventTime, args, session.gap(), input);
        }
        long size = WindowShape.fixedSize(shape);
        List<long[]> open = new ArrayList<>();
        List<Aggregates.Accumulator> updated = new ArrayList<>();
        for (long start : WindowShape.fixedStarts(shape, eventTime)) {
            long end = start + size;
            if (isClosed(end)) {
                continue;
            }
            byte[] stored = store.get(StateKeys.window(key, start));
            Aggregates.Accumulator acc = stored == null ? aggregates.newAccumulator() : decodeAccumulator(stored);
            acc.add(args);
            open.add(new long[] {start, end, stored == null ? 1 : 0});
            updated.add(acc);
        }
        for (int i = 0; i < open.size(); i++) {
            long start = open.get(i)[0];
            long end = open.get(i)[1];
            if (open.get(i)[2] == 1) {
                addTimer(end, key, start);
            }
            byte[] windowKey = StateKeys.window(key, start);
            store.put(windowKey, encode(start, end, updated.get(i)));
            if (linkInputs && input != null) {
                WindowInputs.add(store, windowKey, input);
            }
        }
        return !open.isEmpty();
    }

    /** Told of each record of {@link #addAll} that an aggregate refused. */
    @FunctionalInterface
    public interface Refusals {
        void refused(int index, RecordRejected refusal);
    }

    /**
     * Adds records of one key that share one tumbling window, in order, exactly as {@link #add} would one by one
     * (each record an aggregate refuses is told to {@code refusals} and changes nothing), with one read and one write
     * of the window's state. Their traces are not linked to the window.
     *
     * @return false when the window is closed: every record is late
     */
    public boolean addAll(byte[] key, long[] eventTimes, Object[][] args, Refusals refusals) {
        if (!(shape instanceof WindowShape.Tumbling tumbling)) {
            throw new IllegalStateException("records are added together only to tumbling windows, not " + shape);
        }
        long start = Math.floorDiv(eventTimes[0], tumbling.size()) * tumbling.size();
        long end = start + tumbling.size();
        for (long t : eventTimes) {
            if (t < start || t >= end) {
                throw new IllegalArgumentException("event time " + t + " is not in the window [" + start + ", " + end
                        + ") of the first record");
            }
        }
        if (isClosed(end)) {
            return false;
        }
        byte[] windowKey = StateKeys.window(key, start);
        byte[] stored = store.get(windowKey);
        Aggregates.Accumulator acc = stored == null ? aggregates.newAccumulator() : decodeAccumulator(stored);
        int added = 0;
        for (int i = 0; i < args.length; i++) {
            try {
                acc.add(args[i]);
                added++;
            } catch (RecordRejected refusal) {
                refusals.refused(i, refusal);
            }
        }
        if (added > 0) {
            if (stored == null) {
                addTimer(end, key, start);
            }
            store.put(windowKey, encode(start, end, acc));
        }
        return true;
    }

    private boolean addToSession(byte[] key, long t, Object[] args, long gap, TraceParent input)
            throws RecordRejected {
        long first = t;
        long last = t;
        Aggregates.Accumulator merged = aggregates.newAccumulator();
        merged.add(args);
        List<byte[]> absorbed = new ArrayList<>();
        List<byte[]> absorbedTimers = new ArrayList<>();
        byte[] prefix = StateKeys.windowsOf(key);
        List<byte[][]> sessions = new ArrayList<>();
        store.scan(prefix, StateKeys.after(prefix), (k, v) -> {
            sessions.add(new byte[][] {k, v});
            return true;
        });
        for (byte[][] entry : sessions) {
            ByteBuffer b = ByteBuffer.wrap(entry[1]);
            long sFirst = b.getLong();
            long sEnd = b.getLong();
            long sLast = sEnd - gap;
            if (t > sFirst - gap && t < sLast + gap) {
                first = Math.min(first, sFirst);
                last = Math.max(last, sLast);
                merged.merge(aggregates.decode(b));
                absorbed.add(entry[0]);
                absorbedTimers.add(StateKeys.timer(sEnd, key, sFirst));
            }
        }
        if (absorbed.isEmpty() && isClosed(t + gap)) {
            return false;
        }
        WindowInputs inputs = WindowInputs.NONE;
        for (int i = 0; i < absorbed.size(); i++) {
            store.delete(absorbedTimers.get(i));
            store.delete(absorbed.get(i));
            if (linkInputs) {
                inputs = inputs.merge(WindowInputs.take(store, absorbed.get(i)));
            }
        }
        long end = last + gap;
        byte[] windowKey = StateKeys.window(key, first);
        store.put(windowKey, encode(first, end, merged));
        if (linkInputs && input != null) {
            inputs = inputs.with(input);
        }
        WindowInputs.put(store, windowKey, inputs);
        addTimer(end, key, first);
        return true;
    }

    private boolean isClosed(long end) {
        return closedUpTo != Long.MIN_VALUE && closes(end, lateness, closedUpTo);
    }

    /** Whether a watermark closes a window of that end: end + lateness ≤ watermark, without overflow at the top. */
    private static boolean closes(long end, long lateness, long watermark) {
        return end <= watermark - lateness;
    }

    private void addTimer(long end, byte[] key, long start) {
        store.put(StateKeys.timer(end, key, start), new byte[0]);
        if (end < earliestTimer) {
            earliestTimer = end;
        }
    }

    private byte[] encode(long start, long end, Aggregates.Accumulator acc) {
        ByteBuffer b = ByteBuffer.allocate(16 + acc.encodedSize()).putLong(start).putLong(end);
        acc.encode(b);
        return b.array();
    }

    private Aggregates.Accumulator decodeAccumulator(byte[] stored) {
        return aggregates.decode(ByteBuffer.wrap(stored, 16, stored.length - 16));
    }

    private Map<String, Object> output(byte[] key, byte[] window) {
        ByteBuffer b = ByteBuffer.wrap(window);
        long start = b.getLong();
        long end = b.getLong();
        Aggregates.Accumulator acc = aggregates.decode(b);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(keyField, Json.parseValue(key));
        out.put(WINDOW_START, Instant.ofEpochMilli(start).toString());
        out.put(WINDOW_END, Instant.ofEpochMilli(end).toString());
        for (int i = 0; i < aggregates.size(); i++) {
            out.put(aggregates.list().get(i).name(), acc.result(i));
        }
        return out;
    }
}

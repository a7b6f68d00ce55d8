package dev.weir.runtime.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job's own meters, on the record path; Prometheus shows them as {@code weir_records_in_total} and so on. Every
 * record read ends in exactly one of: a window (or, without one, the sink), a filter, the dead letter; every window
 * closed in one of: the sink, a filter after the window, the dead letter. The meters count those ends, so they balance.
 */
public final class JobMetrics implements RecordListener {
    public static final String RECORDS_IN = "weir.records.in";
    public static final String RECORDS_OUT = "weir.records.out";
    public static final String RECORDS_FILTERED = "weir.records.filtered";
    public static final String RECORDS_WINDOWED = "weir.records.windowed";
    public static final String WINDOWS_CLOSED = "weir.windows.closed";
    public static final String WINDOWS_FILTERED = "weir.windows.filtered";
    public static final String DEAD_LETTERS = "weir.dead.letters";
    public static final String WINDOW_DEAD_LETTERS = "weir.windows.dead.letters";
    public static final String LATE_RECORDS = "weir.records.late";
    public static final String WATERMARK = "weir.watermark";
    private static final String REASON = "reason";

    private final Counter in;
    private final Counter out;
    private final Counter filtered;
    private final Counter windowed;
    private final Counter windowsClosed;
    private final Counter windowsFiltered;
    private final Counter late;
    private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private final Map<DeadLetterReason, Counter> windowDeadLetters = new EnumMap<>(DeadLetterReason.class);
    private final AtomicLong watermark = new AtomicLong(WatermarkTracker.UNKNOWN);

    public JobMetrics(MeterRegistry registry) {
        in = Counter.builder(RECORDS_IN).description("Records read from the source").register(registry);
        out = Counter.builder(RECORDS_OUT).description("Records written to the sink (windows, with a window step)")
                .register(registry);
        filtered = Counter.builder(RECORDS_FILTERED).description("Records a filter before the window (or the sink)"
                + " dropped").register(registry);
        windowed = Counter.builder(RECORDS_WINDOWED).description("Records taken into their windows")
                .register(registry);
        windowsClosed = Counter.builder(WINDOWS_CLOSED).description("Windows closed and passed to the steps after"
                + " the window").register(registry);
        windowsFiltered = Counter.builder(WINDOWS_FILTERED).description("Closed windows a filter after the window"
                + " dropped").register(registry);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLetters.put(reason, Counter.builder(DEAD_LETTERS).tag(REASON, reason.name())
                    .description("Records (and windows) sent to the dead-letter sink").register(registry));
            windowDeadLetters.put(reason, Counter.builder(WINDOW_DEAD_LETTERS).tag(REASON, reason.name())
                    .description("Closed windows sent to the dead-letter sink (also in weir.dead.letters)")
                    .register(registry));
        }
        late = Counter.builder(LATE_RECORDS).description("Records that arrived after all their windows closed")
                .register(registry);
        registry.gauge(WATERMARK, watermark, w -> w.get() == WatermarkTracker.UNKNOWN ? Double.NaN : w.get());
    }

    @Override
    public RecordTrace recordIn(SourcePosition position, String traceparent) {
        in.increment();
        return RecordTrace.NONE;
    }

    @Override
    public void recordOut(RecordTrace trace) {
        out.increment();
    }

    @Override
    public void dropped(RecordTrace trace) {
        filtered.increment();
    }

    @Override
    public void windowed(RecordTrace trace) {
        windowed.increment();
    }

    @Override
    public RecordTrace windowClosed(Map<String, Object> window, WindowInputs inputs) {
        windowsClosed.increment();
        return RecordTrace.NONE;
    }

    @Override
    public void windowDropped(RecordTrace trace) {
        windowsFiltered.increment();
    }

    @Override
    public RecordTrace deadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
        deadLetters.get(reason).increment();
        if (reason == DeadLetterReason.late) {
            late.increment();
        }
        return RecordTrace.NONE;
    }

    @Override
    public RecordTrace windowDeadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
        deadLetters.get(reason).increment();
        windowDeadLetters.get(reason).increment();
        return RecordTrace.NONE;
    }

    /** Keeps the highest watermark among this process's window tasks, in epoch millis. */
    @Override
    public void watermark(long value) {
        watermark.accumulateAndGet(value, Math::max);
    }

    /**
     * For the end-of-run summary of {@code weir run}: records in as the sum of where they went, and with a window,
     * the windows closed as the sum of where they went.
     */
    public List<String> summary(boolean hasWindow) {
        Map<DeadLetterReason, Long> recordDeadLetters = new EnumMap<>(DeadLetterReason.class);
        Map<DeadLetterReason, Long> windowsDead = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            long windows = (long) windowDeadLetters.get(reason).count();
            recordDeadLetters.put(reason, (long) deadLetters.get(reason).count() - windows);
            windowsDead.put(reason, windows);
        }
        String records = count(in) + " records in = "
                + (hasWindow ? count(windowed) + " into windows" : count(out) + " out")
                + " + " + count(filtered) + " filtered + " + deadLetters(recordDeadLetters);
        if (!hasWindow) {
            return List.of(records);
        }
        return List.of(records, count(windowsClosed) + " windows closed = " + count(out) + " out + "
                + count(windowsFiltered) + " filtered + " + deadLetters(windowsDead));
    }

    private static long count(Counter counter) {
        return (long) counter.count();
    }

    private static String deadLetters(Map<DeadLetterReason, Long> byReason) {
        long total = byReason.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder s = new StringBuilder().append(total).append(" dead letters");
        String sep = " (";
        for (Map.Entry<DeadLetterReason, Long> e : byReason.entrySet()) {
            if (e.getValue() > 0) {
                s.append(sep).append(e.getKey()).append(' ').append(e.getValue());
                sep = ", ";
            }
        }
        return total > 0 ? s.append(')').toString() : s.toString();
    }
}

package dev.weir.runtime.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The job's own meters, on the record path; Prometheus shows them as {@code weir_records_in_total} and so on. */
public final class JobMetrics implements RecordListener {
    public static final String RECORDS_IN = "weir.records.in";
    public static final String RECORDS_OUT = "weir.records.out";
    public static final String DEAD_LETTERS = "weir.dead.letters";
    public static final String LATE_RECORDS = "weir.records.late";
    public static final String WATERMARK = "weir.watermark";

    private final Counter in;
    private final Counter out;
    private final Counter late;
    private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private final AtomicLong watermark = new AtomicLong(WatermarkTracker.UNKNOWN);

    public JobMetrics(MeterRegistry registry) {
        in = Counter.builder(RECORDS_IN).description("Records read from the source").register(registry);
        out = Counter.builder(RECORDS_OUT).description("Records written to the sink").register(registry);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLetters.put(reason, Counter.builder(DEAD_LETTERS).tag("reason", reason.name())
                    .description("Records sent to the dead-letter sink").register(registry));
        }
        late = Counter.builder(LATE_RECORDS).description("Records that arrived after all their windows closed")
                .register(registry);
        registry.gauge(WATERMARK, watermark, w -> w.get() == WatermarkTracker.UNKNOWN ? Double.NaN : w.get());
    }

    @Override
    public RecordTrace recordIn(int partition, long offset, String traceparent) {
        in.increment();
        return RecordTrace.NONE;
    }

    @Override
    public void recordOut(RecordTrace trace) {
        out.increment();
    }

    @Override
    public RecordTrace deadLetter(RecordTrace trace, DeadLetterReason reason, String message) {
        deadLetters.get(reason).increment();
        if (reason == DeadLetterReason.late) {
            late.increment();
        }
        return RecordTrace.NONE;
    }

    /** Keeps the highest watermark among this process's window tasks, in epoch millis. */
    @Override
    public void watermark(long value) {
        watermark.accumulateAndGet(value, Math::max);
    }

    /** For the end-of-run summary of {@code weir run}. */
    public String summary() {
        StringBuilder s = new StringBuilder()
                .append((long) in.count()).append(" records in, ")
                .append((long) out.count()).append(" out, dead letters:");
        deadLetters.forEach((reason, c) -> s.append(' ').append(reason).append('=').append((long) c.count()));
        return s.toString();
    }
}

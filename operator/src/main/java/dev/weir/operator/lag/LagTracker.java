package dev.weir.operator.lag;

import dev.weir.operator.autoscaler.Load;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns successive readings of one job into its {@link Load}: input rate from the growth of the end offsets,
 * processing rate from the growth of the consumed positions, each over the smoothing window, in the reading's unit.
 */
public final class LagTracker {
    /** Rates are smoothed over this many polls. */
    public static final int WINDOW_POLLS = 6;

    private final Duration window;
    private final Deque<LagReading> readings = new ArrayDeque<>();

    public LagTracker(Duration window) {
        this.window = window;
    }

    /** A tracker smoothing over {@value #WINDOW_POLLS} polls at {@code pollInterval}. */
    public static LagTracker forPollInterval(Duration pollInterval) {
        return new LagTracker(pollInterval.multipliedBy(WINDOW_POLLS));
    }

    public Load observe(LagReading reading) {
        LagReading previous = readings.peekLast();
        readings.addLast(reading);
        // keep one reading at or beyond the window's start, so the rates always span the whole window
        while (readings.size() > 2 && !readings.stream().skip(1).findFirst().orElseThrow().time()
                .isAfter(reading.time().minus(window))) {
            readings.removeFirst();
        }
        LagReading first = readings.getFirst();
        double input = rate(first.end(), reading.end(), first, reading);
        double processing = rate(first.consumed(), reading.consumed(), first, reading);
        double recent = previous == null ? 0 : rate(previous.consumed(), reading.consumed(), previous, reading);
        return new Load(reading.time(), reading.lag(), input, processing, recent, reading.partitions(), reading.unit(),
                reading.behind());
    }

    private static double rate(long from, long to, LagReading earlier, LagReading later) {
        double seconds = Duration.between(earlier.time(), later.time()).toMillis() / 1000.0;
        return seconds <= 0 ? 0 : Math.max(0, to - from) / seconds;
    }
}

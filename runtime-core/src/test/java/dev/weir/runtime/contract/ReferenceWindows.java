package dev.weir.runtime.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A small, deliberately plain implementation of the contract's window semantics for one source
 * partition, to check the runtime against: lists of records per window, brute-force assignment.
 * Aggregates: n = count(), total = sum(v), lo = min(v), hi = max(v), mean = avg(v).
 */
public final class ReferenceWindows {
    public record Event(String key, long time, Double value, long offset) {}

    public record Result(List<Map<String, Object>> windows, Set<Long> lateOffsets) {}

    private static final class Window {
        final String key;
        long start;
        long end;
        final List<Event> events = new ArrayList<>();

        Window(String key, long start, long end) {
            this.key = key;
            this.start = start;
            this.end = end;
        }
    }

    /** shape: "tumbling", "hopping" or "session"; for sessions {@code size} is the gap. */
    public static Result run(List<Event> events, String shape, long size, long advance, long lateness) {
        List<Window> open = new ArrayList<>();
        List<Map<String, Object>> emitted = new ArrayList<>();
        Set<Long> late = new TreeSet<>();
        long watermark = Long.MIN_VALUE;
        for (Event e : events) {
            watermark = Math.max(watermark, e.time());
            closeDue(open, emitted, watermark, lateness);
            boolean taken = shape.equals("session")
                    ? addToSession(open, e, size, lateness, watermark)
                    : addToFixed(open, e, size, shape.equals("tumbling") ? size : advance, lateness, watermark);
            if (!taken) {
                late.add(e.offset());
            }
        }
        closeDue(open, emitted, Long.MAX_VALUE, 0);
        return new Result(emitted, late);
    }

    private static boolean addToFixed(List<Window> open, Event e, long size, long advance, long lateness, long wm) {
        boolean taken = false;
        for (long k = Math.floorDiv(e.time() - size, advance) - 1; k <= Math.floorDiv(e.time(), advance) + 1; k++) {
            long start = k * advance;
            long end = start + size;
            if (start > e.time() || e.time() >= end || end + lateness <= wm) {
                continue;
            }
            Window w = open.stream().filter(x -> x.key.equals(e.key()) && x.start == start).findFirst()
                    .orElseGet(() -> {
                        Window created = new Window(e.key(), start, end);
                        open.add(created);
                        return created;
                    });
            w.events.add(e);
            taken = true;
        }
        return taken;
    }

    private static boolean addToSession(List<Window> open, Event e, long gap, long lateness, long wm) {
        List<Window> touching = open.stream().filter(w -> w.key.equals(e.key()))
                .filter(w -> e.time() > w.start - gap && e.time() < w.end).toList();
        if (touching.isEmpty() && e.time() + gap + lateness <= wm) {
            return false;
        }
        Window merged = new Window(e.key(), e.time(), e.time() + gap);
        merged.events.add(e);
        for (Window w : touching) {
            open.remove(w);
            merged.start = Math.min(merged.start, w.start);
            merged.end = Math.max(merged.end, w.end);
            merged.events.addAll(w.events);
        }
        open.add(merged);
        return true;
    }

    private static void closeDue(List<Window> open, List<Map<String, Object>> out, long wm, long lateness) {
        List<Window> due = new ArrayList<>();
        for (Iterator<Window> it = open.iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (wm != Long.MIN_VALUE && w.end + lateness <= wm) {
                due.add(w);
                it.remove();
            }
        }
        due.sort(Comparator.comparingLong((Window w) -> w.end).thenComparing(w -> w.key)
                .thenComparingLong(w -> w.start));
        for (Window w : due) {
            out.add(output(w));
        }
    }

    private static Map<String, Object> output(Window w) {
        List<Double> values = w.events.stream().map(Event::value).filter(Objects::nonNull).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k", w.key);
        m.put("window_start", Instant.ofEpochMilli(w.start).toString());
        m.put("window_end", Instant.ofEpochMilli(w.end).toString());
        m.put("n", (long) w.events.size());
        m.put("total", values.isEmpty() ? null : values.stream().mapToDouble(Double::doubleValue).sum());
        m.put("lo", values.stream().min(Double::compare).orElse(null));
        m.put("hi", values.stream().max(Double::compare).orElse(null));
        m.put("mean", values.isEmpty() ? null : values.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        return m;
    }
}

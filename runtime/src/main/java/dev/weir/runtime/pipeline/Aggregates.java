package dev.weir.runtime.pipeline;

import dev.weir.api.expr.AggregateCall;
import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The aggregates of a window step. Arguments are evaluated once per record, where the record is
 * (before any repartition), into plain values; accumulators hold only numbers and encode to bytes.
 * {@code count()} counts records; the other functions skip nulls and give null over no values.
 */
public final class Aggregates {

    public record Named(String name, AggregateCall call) {}

    private final List<Named> aggregates;
    /** The distinct argument expressions: {@code avg(t)}, {@code max(t)} evaluate {@code t} once. */
    private final List<Expression> arguments = new ArrayList<>();
    /** Per aggregate, its argument's index in {@link #arguments}, or -1 for {@code count()}. */
    private final int[] argumentOf;
    /** Per distinct argument, whether only count(x) reads it (then any non-null value counts). */
    private final boolean[] countedOnly;

    public Aggregates(List<Named> aggregates) {
        this.aggregates = List.copyOf(aggregates);
        argumentOf = new int[aggregates.size()];
        Map<String, Integer> bySource = new HashMap<>();
        List<Boolean> onlyCounted = new ArrayList<>();
        for (int i = 0; i < argumentOf.length; i++) {
            AggregateCall call = aggregates.get(i).call();
            if (call.argument() == null) {
                argumentOf[i] = -1;
                continue;
            }
            int index = bySource.computeIfAbsent(call.argument().source().strip(), src -> {
                arguments.add(call.argument());
                onlyCounted.add(true);
                return arguments.size() - 1;
            });
            argumentOf[i] = index;
            if (call.function() != AggregateCall.Function.COUNT) {
                onlyCounted.set(index, false);
            }
        }
        countedOnly = new boolean[onlyCounted.size()];
        for (int i = 0; i < countedOnly.length; i++) {
            countedOnly[i] = onlyCounted.get(i);
        }
    }

    public int size() {
        return aggregates.size();
    }

    public List<Named> list() {
        return aggregates;
    }

    /**
     * Evaluates each distinct argument once on a record: null, Long or Double (an argument only
     * count(x) reads is 1 when present).
     */
    public Object[] arguments(Map<String, Object> record) throws RecordRejected {
        Object[] values = new Object[arguments.size()];
        for (int a = 0; a < values.length; a++) {
            Object value;
            try {
                value = arguments.get(a).evaluate(record);
            } catch (ExpressionException e) {
                throw new RecordRejected(DeadLetterReason.expression_error, nameReading(a) + ": " + e.getMessage());
            }
            if (countedOnly[a]) {
                values[a] = value == null ? null : 1L;
            } else if (value == null || value instanceof Long || value instanceof Double) {
                values[a] = value;
            } else {
                throw new RecordRejected(DeadLetterReason.expression_error, nameReading(a) + ": "
                        + aggregates.get(firstReading(a)).call().function().name().toLowerCase()
                        + " needs a number, got " + describe(value));
            }
        }
        return values;
    }

    /** The first aggregate (not count) that reads argument {@code a}, else the first that reads it. */
    private int firstReading(int a) {
        int first = -1;
        for (int i = 0; i < argumentOf.length; i++) {
            if (argumentOf[i] == a) {
                if (aggregates.get(i).call().function() != AggregateCall.Function.COUNT) {
                    return i;
                }
                first = first < 0 ? i : first;
            }
        }
        return first;
    }

    private String nameReading(int a) {
        return aggregates.get(firstReading(a)).name();
    }

    private static String describe(Object value) {
        return value instanceof String s ? "string '" + s + "'" : value.getClass().getSimpleName();
    }

    public Accumulator newAccumulator() {
        return new Accumulator(aggregates.size());
    }

    public Accumulator decode(ByteBuffer buffer) {
        Accumulator acc = new Accumulator(aggregates.size());
        for (int i = 0; i < acc.counts.length; i++) {
            acc.counts[i] = buffer.getLong();
            acc.values[i] = buffer.getDouble();
            acc.integral[i] = buffer.get() != 0;
        }
        return acc;
    }

    /** Per aggregate: how many values it took, the running value, and whether it is a whole (long) number. */
    public final class Accumulator {
        private final long[] counts;
        private final double[] values;
        private final boolean[] integral;

        private Accumulator(int n) {
            counts = new long[n];
            values = new double[n];
            integral = new boolean[n];
            java.util.Arrays.fill(integral, true);
        }

        /** @param args the values {@link #arguments(Map)} gave for one record */
        public void add(Object[] args) {
            for (int i = 0; i < counts.length; i++) {
                int a = argumentOf[i];
                Object arg = a < 0 ? null : args[a];
                if (aggregates.get(i).call().function() == AggregateCall.Function.COUNT) {
                    if (a < 0 || arg != null) {
                        counts[i]++;
                    }
                    continue;
                }
                if (arg == null) {
                    continue;
                }
                take(i, ((Number) arg).doubleValue(), arg instanceof Long, 1);
            }
        }

        /** Folds another accumulator of the same aggregates into this one (session merge). */
        public void merge(Accumulator other) {
            for (int i = 0; i < counts.length; i++) {
                if (aggregates.get(i).call().function() == AggregateCall.Function.COUNT) {
                    counts[i] += other.counts[i];
                } else if (other.counts[i] > 0) {
                    take(i, other.values[i], other.integral[i], other.counts[i]);
                }
            }
        }

        private void take(int i, double value, boolean isLong, long count) {
            switch (aggregates.get(i).call().function()) {
                case SUM, AVG -> {
                    values[i] += value;
                    integral[i] &= isLong;
                }
                case MIN -> {
                    if (counts[i] == 0 || value < values[i]) {
                        values[i] = value;
                        integral[i] = isLong;
                    }
                }
                case MAX -> {
                    if (counts[i] == 0 || value > values[i]) {
                        values[i] = value;
                        integral[i] = isLong;
                    }
                }
                case COUNT -> throw new IllegalStateException("count has no value");
            }
            counts[i] += count;
        }

        public Object result(int i) {
            long count = counts[i];
            return switch (aggregates.get(i).call().function()) {
                case COUNT -> count;
                case AVG -> count == 0 ? null : values[i] / count;
                case SUM, MIN, MAX -> count == 0 ? null : integral[i] ? (Object) (long) values[i] : (Object) values[i];
            };
        }

        public int encodedSize() {
            return counts.length * 17;
        }

        public void encode(ByteBuffer buffer) {
            for (int i = 0; i < counts.length; i++) {
                buffer.putLong(counts[i]).putDouble(values[i]).put((byte) (integral[i] ? 1 : 0));
            }
        }
    }
}

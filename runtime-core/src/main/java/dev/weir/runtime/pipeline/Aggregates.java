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
     * Evaluates each distinct argument once on a record: null, Long or finite Double (an argument only
     * count(x) reads is 1 when present). A bare field the record lacks is null, as an absent JSON field is.
     */
    public Object[] arguments(Map<String, Object> record) throws RecordRejected {
        Object[] values = new Object[arguments.size()];
        for (int a = 0; a < values.length; a++) {
            Expression argument = arguments.get(a);
            Object value;
            try {
                value = argument.bareField() != null ? record.get(argument.bareField()) : argument.evaluate(record);
            } catch (ExpressionException e) {
                throw new RecordRejected(DeadLetterReason.expression_error, nameReading(a) + ": " + e.getMessage());
            }
            if (countedOnly[a]) {
                values[a] = value == null ? null : 1L;
            } else if (value == null || value instanceof Long || value instanceof Double d && Double.isFinite(d)) {
                values[a] = value;
            } else {
                throw new RecordRejected(DeadLetterReason.expression_error, nameReading(a) + ": "
                        + aggregates.get(firstReading(a)).call().function().spelling()
                        + " needs a finite number, got " + describe(value));
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

    /** The bytes every accumulator of these aggregates encodes to: the encoding has a fixed width. */
    public int encodedSize() {
        return aggregates.size() * Accumulator.ENCODED_SIZE;
    }

    public Accumulator decode(ByteBuffer buffer) {
        Accumulator acc = new Accumulator(aggregates.size());
        for (int i = 0; i < acc.counts.length; i++) {
            acc.counts[i] = buffer.getLong();
            acc.longs[i] = buffer.getLong();
            acc.doubles[i] = buffer.getDouble();
            acc.compensations[i] = buffer.getDouble();
            acc.hasDouble[i] = buffer.get() != 0;
        }
        return acc;
    }

    /**
     * Per aggregate: how many values it took and its running value, kept so that integers stay exact. A sum (of sum
     * or avg) keeps its integers in a long and its doubles in a compensated (Neumaier) sum, so neither order nor
     * cancellation loses what a double can hold; a min or max keeps the extreme value as it came, long or double.
     * A value that would take a sum beyond 64 bits or the double range is refused, whole: the accumulator is left
     * as it was, and the record goes to the dead letter.
     */
    public final class Accumulator {
        private static final int ENCODED_SIZE = 8 + 8 + 8 + 8 + 1;
        private final long[] counts;
        /** sum, avg: the sum of integer values; min, max: the extreme when it is an integer. */
        private final long[] longs;
        /** sum, avg: the sum of double values; min, max: the extreme when it is a double. */
        private final double[] doubles;
        /** sum, avg: what the double sum lost to rounding, added back at the end. */
        private final double[] compensations;
        /** sum, avg: some value was a double; min, max: the extreme is a double. */
        private final boolean[] hasDouble;

        private Accumulator(int n) {
            counts = new long[n];
            longs = new long[n];
            doubles = new double[n];
            compensations = new double[n];
            hasDouble = new boolean[n];
        }

        private Accumulator(Accumulator other) {
            counts = other.counts.clone();
            longs = other.longs.clone();
            doubles = other.doubles.clone();
            compensations = other.compensations.clone();
            hasDouble = other.hasDouble.clone();
        }

        /**
         * @param args the values {@link #arguments(Map)} gave for one record
         * @throws RecordRejected when a value would take a sum out of range; nothing is added then
         */
        public void add(Object[] args) throws RecordRejected {
            for (int i = 0; i < counts.length; i++) {
                Object arg = argumentOf[i] < 0 ? null : args[argumentOf[i]];
                AggregateCall.Function function = aggregates.get(i).call().function();
                if (arg != null && (function == AggregateCall.Function.SUM || function == AggregateCall.Function.AVG)) {
                    checkSum(i, arg);
                }
            }
            for (int i = 0; i < counts.length; i++) {
                int a = argumentOf[i];
                Object arg = a < 0 ? null : args[a];
                if (aggregates.get(i).call().function() == AggregateCall.Function.COUNT) {
                    if (a < 0 || arg != null) {
                        counts[i]++;
                    }
                } else if (arg != null) {
                    take(i, arg);
                }
            }
        }

        private void checkSum(int i, Object value) throws RecordRejected {
            if (value instanceof Long l) {
                checkLong(i, l);
            } else {
                checkDouble(i, (Double) value);
            }
        }

        private void checkLong(int i, long value) throws RecordRejected {
            long sum = longs[i] + value;
            if (((longs[i] ^ sum) & (value ^ sum)) < 0) {
                throw outOfRange(i, longs[i] + " + " + value + " is beyond 64-bit integers (±9.2e18)");
            }
        }

        private void checkDouble(int i, double value) throws RecordRejected {
            if (!Double.isFinite(doubles[i] + value)) {
                throw outOfRange(i, doubles[i] + " + " + value + " is beyond the range of a double (±1.8e308)");
            }
        }

        /**
         * Folds another accumulator of the same aggregates into this one (session merge).
         *
         * @throws RecordRejected when the merged sum would be out of range; nothing is merged then
         */
        public void merge(Accumulator other) throws RecordRejected {
            Accumulator next = new Accumulator(this);
            for (int i = 0; i < counts.length; i++) {
                if (other.counts[i] == 0) {
                    continue;
                }
                switch (aggregates.get(i).call().function()) {
                    case COUNT -> next.counts[i] += other.counts[i];
                    case SUM, AVG -> {
                        next.addLong(i, other.longs[i]);
                        next.addDouble(i, other.doubles[i]);
                        next.addDouble(i, other.compensations[i]);
                        next.hasDouble[i] |= other.hasDouble[i];
                        next.counts[i] += other.counts[i];
                    }
                    case MIN, MAX -> {
                        next.take(i, other.hasDouble[i] ? (Object) other.doubles[i] : (Object) other.longs[i]);
                        next.counts[i] += other.counts[i] - 1;
                    }
                }
            }
            copyFrom(next);
        }

        private void copyFrom(Accumulator other) {
            System.arraycopy(other.counts, 0, counts, 0, counts.length);
            System.arraycopy(other.longs, 0, longs, 0, longs.length);
            System.arraycopy(other.doubles, 0, doubles, 0, doubles.length);
            System.arraycopy(other.compensations, 0, compensations, 0, compensations.length);
            System.arraycopy(other.hasDouble, 0, hasDouble, 0, hasDouble.length);
        }

        private void take(int i, Object value) throws RecordRejected {
            switch (aggregates.get(i).call().function()) {
                case SUM, AVG -> {
                    if (value instanceof Long l) {
                        addLong(i, l);
                    } else {
                        addDouble(i, (Double) value);
                        hasDouble[i] = true;
                    }
                }
                case MIN, MAX -> {
                    int sign = aggregates.get(i).call().function() == AggregateCall.Function.MIN ? 1 : -1;
                    if (counts[i] == 0 || sign * compare(value, i) < 0) {
                        hasDouble[i] = value instanceof Double;
                        if (value instanceof Long l) {
                            longs[i] = l;
                        } else {
                            doubles[i] = (Double) value;
                        }
                    }
                }
                case COUNT -> throw new IllegalStateException("count has no value");
            }
            counts[i]++;
        }

        private void addLong(int i, long value) throws RecordRejected {
            checkLong(i, value);
            longs[i] += value;
        }

        /** Neumaier's compensated addition: the sum's rounding error is kept apart and added back in the result. */
        private void addDouble(int i, double value) throws RecordRejected {
            checkDouble(i, value);
            double sum = doubles[i] + value;
            compensations[i] += Math.abs(doubles[i]) >= Math.abs(value)
                    ? (doubles[i] - sum) + value : (value - sum) + doubles[i];
            doubles[i] = sum;
        }

        private RecordRejected outOfRange(int i, String what) {
            Named named = aggregates.get(i);
            return new RecordRejected(DeadLetterReason.expression_error, named.name() + ": " + named.call()
                    + " would overflow, " + what + "; the record counts in none of its windows");
        }

        /** {@code value} against aggregate i's current extreme, exactly even between a long and a double. */
        private int compare(Object value, int i) {
            if (value instanceof Long l) {
                return hasDouble[i] ? compareExactly(l, doubles[i]) : Long.compare(l, longs[i]);
            }
            double d = (Double) value;
            return hasDouble[i] ? Double.compare(d, doubles[i]) : -compareExactly(longs[i], d);
        }

        public Object result(int i) {
            long count = counts[i];
            if (count == 0 && aggregates.get(i).call().function() != AggregateCall.Function.COUNT) {
                return null;
            }
            return switch (aggregates.get(i).call().function()) {
                case COUNT -> count;
                case SUM -> hasDouble[i] ? doubleSum(i) : (Object) longs[i];
                case AVG -> (hasDouble[i] ? doubleSum(i) : (double) longs[i]) / count;
                case MIN, MAX -> hasDouble[i] ? (Object) doubles[i] : (Object) longs[i];
            };
        }

        private double doubleSum(int i) {
            return (double) longs[i] + (doubles[i] + compensations[i]);
        }

        public int encodedSize() {
            return counts.length * ENCODED_SIZE;
        }

        public void encode(ByteBuffer buffer) {
            for (int i = 0; i < counts.length; i++) {
                buffer.putLong(counts[i]).putLong(longs[i]).putDouble(doubles[i]).putDouble(compensations[i])
                        .put((byte) (hasDouble[i] ? 1 : 0));
            }
        }
    }

    /** Compares a long with a double by their exact values (a double's integer part fits a long below 2^63). */
    static int compareExactly(long l, double d) {
        if (d >= 0x1p63) {
            return -1;
        }
        if (d < -0x1p63) {
            return 1;
        }
        long whole = (long) d;
        if (l != whole) {
            return Long.compare(l, whole);
        }
        double fraction = d - whole;
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }
}

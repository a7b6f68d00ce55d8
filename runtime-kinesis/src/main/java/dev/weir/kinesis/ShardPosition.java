package dev.weir.kinesis;

import java.math.BigInteger;
import java.util.Comparator;

/**
 * Where a record is in its shard: its sequence number and, for a record that a producer aggregated with others into
 * one Kinesis record (KPL aggregation), its index among them (0 otherwise). Positions of one shard are ordered.
 *
 * <p>{@link #toString()} is the neutral string form the engine keeps in its checkpoints, {@code 4959…8898} or
 * {@code 4959…8898/3} with a sub-sequence number; {@link #parse} reads it back.
 */
public record ShardPosition(String sequenceNumber, long subSequenceNumber) implements Comparable<ShardPosition> {

    private static final char SUB_SEQUENCE_SEPARATOR = '/';
    private static final Comparator<ShardPosition> ORDER = Comparator
            .comparing((ShardPosition position) -> new BigInteger(position.sequenceNumber()))
            .thenComparingLong(ShardPosition::subSequenceNumber);

    public ShardPosition {
        if (sequenceNumber == null || sequenceNumber.isEmpty() || !sequenceNumber.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("a Kinesis sequence number is a decimal number, was '" + sequenceNumber + "'");
        }
        if (subSequenceNumber < 0) {
            throw new IllegalArgumentException("a sub-sequence number is 0 or more, was " + subSequenceNumber);
        }
    }

    public static ShardPosition of(String sequenceNumber) {
        return new ShardPosition(sequenceNumber, 0);
    }

    public static ShardPosition parse(String text) {
        int separator = text.indexOf(SUB_SEQUENCE_SEPARATOR);
        if (separator < 0) {
            return of(text);
        }
        try {
            return new ShardPosition(text.substring(0, separator), Long.parseLong(text.substring(separator + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a shard position is SEQUENCE or SEQUENCE/SUB with decimal numbers, was '"
                    + text + "'", e);
        }
    }

    @Override
    public int compareTo(ShardPosition other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return subSequenceNumber == 0 ? sequenceNumber : sequenceNumber + SUB_SEQUENCE_SEPARATOR + subSequenceNumber;
    }
}

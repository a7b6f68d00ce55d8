package dev.weir.runtime.pipeline;

/** The three window shapes of the contract, in epoch milliseconds. */
public sealed interface WindowShape {

    record Tumbling(long size) implements WindowShape {}

    /** Windows {@code [k·advance, k·advance + size)}. */
    record Hopping(long size, long advance) implements WindowShape {}

    /** Records of a key less than {@code gap} apart share a session {@code [first, last + gap)}. */
    record Session(long gap) implements WindowShape {}

    /** The starts of the fixed windows (tumbling, hopping) that contain {@code t}, ascending. */
    static long[] fixedStarts(WindowShape shape, long t) {
        if (shape instanceof Tumbling tumbling) {
            return new long[] {Math.floorDiv(t, tumbling.size()) * tumbling.size()};
        }
        Hopping hopping = (Hopping) shape;
        long first = Math.floorDiv(t - hopping.size(), hopping.advance()) + 1;
        long last = Math.floorDiv(t, hopping.advance());
        long[] starts = new long[(int) (last - first + 1)];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = (first + i) * hopping.advance();
        }
        return starts;
    }

    /**
     * The end of the last window a record at {@code t} can count in: of the latest fixed window that contains it, or of
     * a session of its own.
     */
    static long lastEnd(WindowShape shape, long t) {
        if (shape instanceof Session session) {
            return t + session.gap();
        }
        long advance = shape instanceof Hopping hopping ? hopping.advance() : fixedSize(shape);
        return Math.floorDiv(t, advance) * advance + fixedSize(shape);
    }

    static long fixedSize(WindowShape shape) {
        return shape instanceof Tumbling tumbling ? tumbling.size() : ((Hopping) shape).size();
    }
}

package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class WindowShapeTest {
    @Test
    void tumblingWindowsAreAlignedToTheEpoch() {
        WindowShape shape = new WindowShape.Tumbling(10);
        assertArrayEquals(new long[] {0}, WindowShape.fixedStarts(shape, 0));
        assertArrayEquals(new long[] {0}, WindowShape.fixedStarts(shape, 9));
        assertArrayEquals(new long[] {10}, WindowShape.fixedStarts(shape, 10));
        assertArrayEquals(new long[] {-10}, WindowShape.fixedStarts(shape, -1));
    }

    @Test
    void hoppingRecordIsInEveryWindowThatContainsIt() {
        WindowShape shape = new WindowShape.Hopping(10, 5);
        assertArrayEquals(new long[] {-5, 0}, WindowShape.fixedStarts(shape, 0));
        assertArrayEquals(new long[] {0, 5}, WindowShape.fixedStarts(shape, 7));
        assertArrayEquals(new long[] {5, 10}, WindowShape.fixedStarts(shape, 10));
        assertArrayEquals(new long[] {0, 3, 6, 9}, WindowShape.fixedStarts(new WindowShape.Hopping(10, 3), 9));
    }
}

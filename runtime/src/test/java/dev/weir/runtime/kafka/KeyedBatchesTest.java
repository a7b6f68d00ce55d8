package dev.weir.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyedBatchesTest {
    private static final long SIZE = 600_000;

    /** What a batch holds, compared with what a plain map of lists by key and window says it should. */
    private record Held(String key, long windowStart, List<Long> offsets) {}

    @Test
    void groupsByKeyAndWindowInTheOrderOfFirstRecordsWhateverTheirNumber() {
        Random random = new Random(15);
        for (int round = 0; round < 50; round++) {
            KeyedBatches batches = new KeyedBatches();
            Map<String, Held> expected = new LinkedHashMap<>();
            List<Held> filled = new ArrayList<>();
            int keys = 1 + random.nextInt(round % 2 == 0 ? 20 : 5_000);
            int capacity = 1 + random.nextInt(40);
            for (long offset = 0; offset < 20_000; offset++) {
                String key = "\"sensor-" + random.nextInt(keys) + "\"";
                long start = SIZE * random.nextInt(3);
                Held held = expected.computeIfAbsent(key + "@" + start, k -> new Held(key, start, new ArrayList<>()));
                held.offsets().add(offset);
                KeyedBatches.Builder full = batches.add(key.getBytes(StandardCharsets.UTF_8), start, start + SIZE,
                        capacity, offset, start + 1, 10, new Object[] {offset}, offset);
                if (held.offsets().size() == capacity) {
                    assertNotNull(full, "batch filled at record " + offset);
                    filled.add(held);
                    expected.remove(key + "@" + start);
                    assertHolds(full, held);
                } else {
                    assertNull(full);
                }
            }
            List<KeyedBatches.Builder> drained = batches.drain();
            assertEquals(expected.size(), drained.size());
            List<Held> open = new ArrayList<>(expected.values());
            for (int i = 0; i < drained.size(); i++) {
                assertHolds(drained.get(i), open.get(i));
            }
            assertTrue(batches.isEmpty());
            assertTrue(batches.drain().isEmpty());
        }
    }

    @Test
    void clearForgetsEveryBatchAndWouldCloseLooksAtTheEarliestWindow() {
        KeyedBatches batches = new KeyedBatches();
        byte[] key = "\"a\"".getBytes(StandardCharsets.UTF_8);
        batches.add(key, SIZE, 2 * SIZE, 10, 0, SIZE, 1, new Object[0], 0);
        batches.add(key, 0, SIZE, 10, 1, 1, 1, new Object[0], 0);
        assertFalse(batches.wouldClose(SIZE + 999, 1000));
        assertTrue(batches.wouldClose(SIZE + 1000, 1000));
        batches.clear();
        assertTrue(batches.isEmpty());
        assertFalse(batches.wouldClose(Long.MAX_VALUE, 0));
        batches.add(key, 0, SIZE, 10, 2, 1, 1, new Object[0], 0);
        List<KeyedBatches.Builder> drained = batches.drain();
        assertEquals(1, drained.size());
        assertArrayEquals(new long[] {2}, drained.get(0).build(0, 0).sourceOffsets());
    }

    @Test
    void takeRemovesOnlyTheBatchOfThatKeyAndWindow() {
        KeyedBatches batches = new KeyedBatches();
        byte[] a = "\"a\"".getBytes(StandardCharsets.UTF_8);
        byte[] b = "\"b\"".getBytes(StandardCharsets.UTF_8);
        batches.add(a, 0, SIZE, 10, 0, 1, 1, new Object[0], 0);
        batches.add(b, 0, SIZE, 10, 1, 1, 1, new Object[0], 0);
        batches.add(a, SIZE, 2 * SIZE, 10, 2, SIZE, 1, new Object[0], 0);
        batches.add(a, 0, SIZE, 10, 3, 1, 1, new Object[0], 0);
        assertNull(batches.take(b, SIZE));
        KeyedBatches.Builder taken = batches.take(a, 0);
        assertArrayEquals(new long[] {0, 3}, taken.build(0, 0).sourceOffsets());
        assertNull(batches.take(a, 0));
        // a record of that key and window after it starts a batch of its own
        batches.add(a, 0, SIZE, 10, 4, 1, 1, new Object[0], 0);
        List<KeyedBatches.Builder> left = batches.drain();
        assertEquals(3, left.size());
        assertArrayEquals(new long[] {1}, left.get(0).build(0, 0).sourceOffsets());
        assertArrayEquals(new long[] {2}, left.get(1).build(0, 0).sourceOffsets());
        assertArrayEquals(new long[] {4}, left.get(2).build(0, 0).sourceOffsets());
    }

    private static void assertHolds(KeyedBatches.Builder batch, Held held) {
        assertEquals(held.key(), new String(batch.key, StandardCharsets.UTF_8));
        assertEquals(held.windowStart() + SIZE, batch.windowEnd);
        Envelope.Batch built = batch.build(3, 7);
        assertArrayEquals(held.offsets().stream().mapToLong(Long::longValue).toArray(), built.sourceOffsets());
        assertEquals((long) held.offsets().get(held.offsets().size() - 1), batch.timestamp());
    }
}

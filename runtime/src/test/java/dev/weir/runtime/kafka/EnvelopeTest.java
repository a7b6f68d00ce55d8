package dev.weir.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    @Test
    void aBatchReadsBackAsWritten() {
        Random random = new Random(15);
        long[] edges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1_700_000_000_000L, -1_700_000_000_000L};
        for (int round = 0; round < 300; round++) {
            int n = 1 + random.nextInt(40);
            int argCount = random.nextInt(4);
            long[] offsets = new long[n];
            long[] times = new long[n];
            long[] bytes = new long[n];
            Object[][] args = new Object[n][];
            long offset = random.nextInt(3) == 0 ? edges[random.nextInt(edges.length)] : random.nextInt(1 << 30);
            for (int i = 0; i < n; i++) {
                offsets[i] = offset + random.nextInt(3);
                offset = offsets[i];
                times[i] = random.nextInt(4) == 0 ? edges[random.nextInt(edges.length)]
                        : 1_700_000_000_000L + random.nextInt(600_000);
                bytes[i] = random.nextInt(3) == 0 ? Integer.MAX_VALUE * 3L : random.nextInt(2_000);
                args[i] = new Object[argCount];
                for (int a = 0; a < argCount; a++) {
                    args[i][a] = switch (random.nextInt(4)) {
                        case 0 -> null;
                        case 1 -> edges[random.nextInt(edges.length)];
                        case 2 -> random.nextGaussian() * 1e6;
                        default -> -Double.MAX_VALUE;
                    };
                }
            }
            Envelope.Batch batch = new Envelope.Batch(random.nextInt(64), times[0] + 5, offsets, times, bytes, args);
            byte[] encoded = Envelope.encode(batch);
            assertTrue(encoded.length <= Envelope.batchOverhead() + n * Envelope.largestBatchEntry(argCount));
            Envelope.Batch read = (Envelope.Batch) Envelope.decode(encoded);
            assertEquals(batch.sourcePartition(), read.sourcePartition());
            assertEquals(batch.partitionMax(), read.partitionMax());
            assertArrayEquals(offsets, read.sourceOffsets());
            assertArrayEquals(times, read.eventTimes());
            assertArrayEquals(bytes, read.payloadBytes());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(args[i], read.args()[i], "record " + i);
            }
        }
    }

    @Test
    void aBatchRecordTakesAFewBytesBesidesItsArguments() {
        int n = 500;
        long[] offsets = new long[n];
        long[] times = new long[n];
        long[] bytes = new long[n];
        Object[][] args = new Object[n][];
        for (int i = 0; i < n; i++) {
            offsets[i] = 1_000_000 + 3L * i;
            times[i] = 1_700_000_000_000L + 1_000L * i;
            bytes[i] = 90;
            args[i] = new Object[] {21.5 + i};
        }
        byte[] encoded = Envelope.encode(new Envelope.Batch(3, times[n - 1], offsets, times, bytes, args));
        // offset delta 1, time delta 2, payload size 1, tag 1, double 8
        assertTrue(encoded.length <= 40 + n * 13, encoded.length + " bytes for " + n + " records");
    }
}

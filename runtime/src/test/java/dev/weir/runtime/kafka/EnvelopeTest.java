package dev.weir.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    private static final long[] EDGES = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1_700_000_000_000L,
        -1_700_000_000_000L};

    @Test
    void aBatchReadsBackAsWritten() {
        Random random = new Random(15);
        for (int round = 0; round < 300; round++) {
            Envelope.Batch batch = randomBatch(random);
            byte[] encoded = Envelope.encode(batch);
            int argCount = batch.args()[0].length;
            assertTrue(encoded.length <= Envelope.batchOverhead() + batch.size() * Envelope.largestBatchEntry(argCount));
            assertSame(batch, (Envelope.Batch) Envelope.decode(encoded));
        }
    }

    @Test
    void aGroupReadsBackAsWrittenAndTakesNoBatchPastItsBudget() {
        Random random = new Random(16);
        for (int round = 0; round < 100; round++) {
            List<Envelope.Keyed> written = new ArrayList<>();
            int n = 1 + random.nextInt(20);
            for (int i = 0; i < n; i++) {
                byte[] key = ("\"sensor-" + random.nextInt(1000) + "\"").repeat(1 + random.nextInt(3))
                        .getBytes(StandardCharsets.UTF_8);
                written.add(new Envelope.Keyed(key, EDGES[random.nextInt(EDGES.length)], randomBatch(random)));
            }
            byte[] encoded = Envelope.encode(new Envelope.Group(written));
            int bound = Envelope.groupOverhead();
            for (Envelope.Keyed keyed : written) {
                bound += Envelope.largestGroupEntry(keyed.key().length, keyed.batch().size(),
                        keyed.batch().args()[0].length);
            }
            assertTrue(encoded.length <= bound);
            List<Envelope.Keyed> read = ((Envelope.Group) Envelope.decode(encoded)).batches();
            assertEquals(written.size(), read.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(written.get(i).key(), read.get(i).key());
                assertEquals(written.get(i).timestamp(), read.get(i).timestamp());
                assertSame(written.get(i).batch(), read.get(i).batch());
            }

            // a budget that the first batches fill: the one that would pass it is refused, and the group is as before
            Envelope.GroupWriter writer = new Envelope.GroupWriter();
            int budget = encoded.length / 2;
            int taken = 0;
            for (Envelope.Keyed keyed : written) {
                if (!writer.add(keyed, budget)) {
                    break;
                }
                taken++;
            }
            byte[] part = writer.finish();
            assertTrue(part.length <= budget || taken == 0, part.length + " bytes over a budget of " + budget);
            assertEquals(taken, ((Envelope.Group) Envelope.decode(part)).batches().size());
            assertTrue(writer.isEmpty());
            assertFalse(taken == n && n > 1, "half the bytes took every batch");
        }
    }

    @Test
    void aKeyedRecordGoesWhereKafkasProducerWouldPutIt() {
        Random random = new Random(17);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            assertEquals(BuiltInPartitioner.partitionForKey(key, partitions), Routed.partitionOf(key, partitions));
        }
    }

    private static void assertSame(Envelope.Batch batch, Envelope.Batch read) {
        assertEquals(batch.sourcePartition(), read.sourcePartition());
        assertEquals(batch.partitionMax(), read.partitionMax());
        assertArrayEquals(batch.sourceOffsets(), read.sourceOffsets());
        assertArrayEquals(batch.eventTimes(), read.eventTimes());
        assertArrayEquals(batch.payloadBytes(), read.payloadBytes());
        for (int i = 0; i < batch.size(); i++) {
            assertArrayEquals(batch.args()[i], read.args()[i], "record " + i);
        }
    }

    private static Envelope.Batch randomBatch(Random random) {
        int n = 1 + random.nextInt(40);
        int argCount = random.nextInt(4);
        long[] offsets = new long[n];
        long[] times = new long[n];
        long[] bytes = new long[n];
        Object[][] args = new Object[n][];
        long offset = random.nextInt(3) == 0 ? EDGES[random.nextInt(EDGES.length)] : random.nextInt(1 << 30);
        for (int i = 0; i < n; i++) {
            offsets[i] = offset + random.nextInt(3);
            offset = offsets[i];
            times[i] = random.nextInt(4) == 0 ? EDGES[random.nextInt(EDGES.length)]
                    : 1_700_000_000_000L + random.nextInt(600_000);
            bytes[i] = random.nextInt(3) == 0 ? Integer.MAX_VALUE * 3L : random.nextInt(2_000);
            args[i] = new Object[argCount];
            for (int a = 0; a < argCount; a++) {
                args[i][a] = switch (random.nextInt(4)) {
                    case 0 -> null;
                    case 1 -> EDGES[random.nextInt(EDGES.length)];
                    case 2 -> random.nextGaussian() * 1e6;
                    default -> -Double.MAX_VALUE;
                };
            }
        }
        return new Envelope.Batch(random.nextInt(64), times[0] + 5, offsets, times, bytes, args);
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

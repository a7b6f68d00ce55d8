package dev.weir.kinesis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyOrderedBatchesTest {

    private static final int MAX_RECORD = KinesisSinkSettings.DEFAULT_MAX_RECORD_BYTES;
    private static final PutRecordsResultEntry WRITTEN = PutRecordsResultEntry.builder()
            .shardId("shardId-000000000000").sequenceNumber("1").build();
    private static final PutRecordsResultEntry THROTTLED = failure("ProvisionedThroughputExceededException");
    private static final PutRecordsResultEntry INTERNAL = failure("InternalFailure");
    private static final PutRecordsResultEntry REFUSED = failure("InvalidArgumentException");

    private static PutRecordsResultEntry failure(String code) {
        return PutRecordsResultEntry.builder().errorCode(code).errorMessage(code + " for the test").build();
    }

    private static SinkRecord record(String key, String data) {
        return new SinkRecord(key, data.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> data(List<SinkRecord> records) {
        return records.stream().map(record -> new String(record.data(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aCallCarriesTheOldestUnwrittenRecordOfEachKey() {
        KeyOrderedBatches batches = new KeyOrderedBatches(List.of(
                record("a", "a1"), record("a", "a2"), record("b", "b1"), record("a", "a3")), MAX_RECORD);

        List<SinkRecord> first = batches.next();
        assertEquals(List.of("a1", "b1"), data(first));
        batches.apply(first, List.of(THROTTLED, WRITTEN));
        List<SinkRecord> second = batches.next();
        assertEquals(List.of("a1"), data(second), "a1 failed: a2 may not go before it is written");
        batches.apply(second, List.of(WRITTEN));
        assertEquals(List.of("a2"), data(batches.next()));
    }

    @Test
    void retriesOfPartiallyFailedCallsKeepEveryKeysOrderAndWriteEachRecordOnce() {
        Random random = new Random(12);
        List<SinkRecord> input = IntStream.range(0, 3_000)
                .mapToObj(i -> record("key-" + random.nextInt(40), "r-" + i)).toList();
        KeyOrderedBatches batches = new KeyOrderedBatches(input, MAX_RECORD);
        List<SinkRecord> stream = new ArrayList<>();
        int calls = 0;

        while (!batches.done()) {
            List<SinkRecord> call = batches.next();
            List<PutRecordsResultEntry> results = new ArrayList<>();
            for (SinkRecord record : call) {
                int roll = random.nextInt(100);
                PutRecordsResultEntry result = roll < 30 ? THROTTLED : roll < 35 ? INTERNAL : roll < 36 ? REFUSED : WRITTEN;
                results.add(result);
                if (result == WRITTEN) {
                    stream.add(record);
                }
            }
            batches.apply(call, results);
            assertTrue(++calls < 10_000, "no progress");
        }

        List<SinkRecord> refused = batches.rejected().stream().map(RejectedRecord::record).toList();
        assertTrue(!refused.isEmpty(), "the test refuses some records");
        assertEquals(input.size(), stream.size() + refused.size(), "each record written or rejected, once");
        assertEquals(byKey(input.stream().filter(record -> !refused.contains(record)).toList()), byKey(stream),
                "each key's records in the stream in input order");
        assertTrue(batches.rejected().stream().allMatch(rejected -> rejected.reason()
                .equals("Kinesis refused the record: InvalidArgumentException: InvalidArgumentException for the test")));
    }

    private static Map<String, List<String>> byKey(List<SinkRecord> records) {
        Map<String, List<String>> byKey = new HashMap<>();
        for (SinkRecord record : records) {
            byKey.computeIfAbsent(record.partitionKey(), key -> new ArrayList<>()).add(new String(record.data(), StandardCharsets.UTF_8));
        }
        return byKey;
    }

    @Test
    void aCallHoldsAtMost500RecordsAndKeysLeftOutGoFirstNextTime() {
        List<SinkRecord> input = IntStream.range(0, 600).mapToObj(i -> record("key-" + i, "r-" + i)).toList();
        List<SinkRecord> twice = new ArrayList<>(input);
        twice.addAll(IntStream.range(0, 600).mapToObj(i -> record("key-" + i, "s-" + i)).toList());
        KeyOrderedBatches batches = new KeyOrderedBatches(twice, MAX_RECORD);

        List<SinkRecord> first = batches.next();
        assertEquals(data(input.subList(0, 500)), data(first));
        batches.apply(first, first.stream().map(record -> WRITTEN).toList());
        List<SinkRecord> second = batches.next();
        assertEquals(data(input.subList(500, 600)), data(second.subList(0, 100)), "the keys the first call left out");
        assertEquals("s-0", new String(second.get(100).data(), StandardCharsets.UTF_8));
    }

    @Test
    void aCallHoldsAtMostFiveMebibytes() {
        byte[] data = new byte[700 * 1024];
        List<SinkRecord> input = IntStream.range(0, 10).mapToObj(i -> new SinkRecord("key-" + i, data)).toList();
        KeyOrderedBatches batches = new KeyOrderedBatches(input, MAX_RECORD);

        List<SinkRecord> first = batches.next();
        assertEquals(7, first.size(), "7 × 700 KiB fit in 5 MiB, 8 do not");
        batches.apply(first, first.stream().map(record -> WRITTEN).toList());
        assertEquals(3, batches.next().size());
    }

    @Test
    void recordsKinesisCannotTakeAreRejectedWithTheReasonAndNeverSent() {
        SinkRecord tooLarge = new SinkRecord("key", new byte[MAX_RECORD]);
        SinkRecord noKey = record("", "x");
        SinkRecord longKey = record("k".repeat(257), "x");
        SinkRecord fine = record("key", "x");
        KeyOrderedBatches batches = new KeyOrderedBatches(List.of(tooLarge, noKey, longKey, fine), MAX_RECORD);

        assertEquals(List.of(fine), batches.next());
        assertEquals(List.of(
                new RejectedRecord(tooLarge, "the record is 1048579 bytes (data plus partition key), over the stream's limit of 1048576 bytes"),
                new RejectedRecord(noKey, "the partition key is empty; Kinesis needs 1 to 256 characters"),
                new RejectedRecord(longKey, "the partition key has 257 characters; Kinesis takes at most 256")),
                batches.rejected());
    }
}

package dev.weir.kinesis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Cuts records into PutRecords calls so that retries never reorder the records of one partition key.
 *
 * <p>Kinesis may take some records of a call and fail others (throttled, internal failure), in any pattern. If a call
 * held two records of one key and failed the first, the second would be in the stream before the retried first. So
 * each call carries at most one record per key, the oldest one not yet written, and a record is only dropped from
 * its key's queue once written or rejected: a failed record is retried before any later record of its key is sent.
 * Calls carry many keys (up to {@value #MAX_RECORDS_PER_REQUEST} records and {@value #MAX_REQUEST_BYTES} bytes), and
 * keys take turns, so no key waits behind a long queue of another.
 */
final class KeyOrderedBatches {

    static final int MAX_RECORDS_PER_REQUEST = 500;
    static final int MAX_REQUEST_BYTES = 5 * 1024 * 1024;
    static final int MAX_PARTITION_KEY_CHARACTERS = 256;
    /** The per-record failures that a later call may not repeat; any other code is Kinesis refusing the record. */
    static final Set<String> RETRYABLE_ERRORS = Set.of("ProvisionedThroughputExceededException", "InternalFailure");

    /** What a call did: records Kinesis took, and records it failed for now and that go in a later call. */
    record Outcome(int written, int retried) {
    }

    private final Map<String, ArrayDeque<SinkRecord>> pending = new LinkedHashMap<>();
    private final List<RejectedRecord> rejected = new ArrayList<>();

    KeyOrderedBatches(List<SinkRecord> records, int maxRecordBytes) {
        for (SinkRecord record : records) {
            Optional<String> problem = problem(record, maxRecordBytes);
            if (problem.isPresent()) {
                rejected.add(new RejectedRecord(record, problem.get()));
            } else {
                pending.computeIfAbsent(record.partitionKey(), key -> new ArrayDeque<>()).add(record);
            }
        }
    }

    private static Optional<String> problem(SinkRecord record, int maxRecordBytes) {
        String key = record.partitionKey();
        if (key == null || key.isEmpty()) {
            return Optional.of("the partition key is empty; Kinesis needs 1 to " + MAX_PARTITION_KEY_CHARACTERS + " characters");
        }
        int characters = key.codePointCount(0, key.length());
        if (characters > MAX_PARTITION_KEY_CHARACTERS) {
            return Optional.of("the partition key has " + characters + " characters; Kinesis takes at most "
                    + MAX_PARTITION_KEY_CHARACTERS);
        }
        if (record.size() > maxRecordBytes) {
            return Optional.of("the record is " + record.size() + " bytes (data plus partition key), over the stream's limit of "
                    + maxRecordBytes + " bytes");
        }
        return Optional.empty();
    }

    boolean done() {
        return pending.isEmpty();
    }

    /** The next call: the oldest unwritten record of each key, keys in turn, within Kinesis' limits for one call. */
    List<SinkRecord> next() {
        List<SinkRecord> call = new ArrayList<>();
        long bytes = 0;
        for (ArrayDeque<SinkRecord> queue : pending.values()) {
            SinkRecord head = queue.peekFirst();
            if (call.size() == MAX_RECORDS_PER_REQUEST || bytes + head.size() > MAX_REQUEST_BYTES) {
                break;
            }
            call.add(head);
            bytes += head.size();
        }
        return call;
    }

    /**
     * Takes in Kinesis' answer to a call of {@link #next()}'s records (its entries in the same order): written and
     * refused records leave their queues, failed ones stay first in theirs. The keys of the call go to the back of the
     * line, so keys that did not fit in it come first next time.
     */
    Outcome apply(List<SinkRecord> sent, List<PutRecordsResultEntry> results) {
        if (results.size() != sent.size()) {
            throw new KinesisException("Kinesis answered a put of " + sent.size() + " records with " + results.size() + " results");
        }
        int written = 0;
        int retried = 0;
        for (int i = 0; i < sent.size(); i++) {
            SinkRecord record = sent.get(i);
            PutRecordsResultEntry result = results.get(i);
            ArrayDeque<SinkRecord> queue = pending.remove(record.partitionKey());
            if (result.errorCode() == null) {
                queue.removeFirst();
                written++;
            } else if (RETRYABLE_ERRORS.contains(result.errorCode())) {
                retried++;
            } else {
                queue.removeFirst();
                rejected.add(new RejectedRecord(record, "Kinesis refused the record: " + result.errorCode() + ": "
                        + result.errorMessage()));
            }
            if (!queue.isEmpty()) {
                pending.put(record.partitionKey(), queue);
            }
        }
        return new Outcome(written, retried);
    }

    /** A call that failed as a whole: its records stay first in their queues. */
    Outcome failed(List<SinkRecord> sent) {
        return new Outcome(0, sent.size());
    }

    /** The records Kinesis cannot take, in the order they were found. */
    List<RejectedRecord> rejected() {
        return List.copyOf(rejected);
    }

    /** How many records are not yet written or rejected. */
    int pendingCount() {
        return pending.values().stream().mapToInt(ArrayDeque::size).sum();
    }
}

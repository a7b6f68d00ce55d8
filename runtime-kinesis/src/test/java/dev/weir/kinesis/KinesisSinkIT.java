package dev.weir.kinesis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import dev.weir.kinesis.testing.KinesisServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KinesisSinkIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static SinkRecord record(String key, String data) {
        return new SinkRecord(key, data.getBytes(StandardCharsets.UTF_8));
    }

    /** What the stream holds, as key → data in stream order (a key's records are all in one shard). */
    private static Map<String, List<String>> byKey(String stream) {
        Map<String, List<String>> byKey = new HashMap<>();
        for (List<Record> shard : servers.records(stream).values()) {
            for (Record record : shard) {
                byKey.computeIfAbsent(record.partitionKey(), key -> new ArrayList<>()).add(record.data().asUtf8String());
            }
        }
        return byKey;
    }

    private static Map<String, List<String>> byKey(List<SinkRecord> records) {
        Map<String, List<String>> byKey = new HashMap<>();
        for (SinkRecord record : records) {
            byKey.computeIfAbsent(record.partitionKey(), key -> new ArrayList<>()).add(new String(record.data(), StandardCharsets.UTF_8));
        }
        return byKey;
    }

    @Test
    void writesEveryRecordOnceWithEachKeysRecordsInOrder() throws InterruptedException {
        String stream = KinesisServers.uniqueName("sink");
        servers.createStream(stream, 4);
        List<SinkRecord> records = IntStream.range(0, 1_200).mapToObj(i -> record("key-" + (i % 700), "r-" + i)).toList();

        List<RejectedRecord> rejected = new KinesisSink(servers.clients().kinesis(), stream, KinesisSinkSettings.defaults())
                .put(records);

        assertEquals(List.of(), rejected);
        assertEquals(byKey(records), byKey(stream));
    }

    @Test
    void aRecordOverTheLimitComesBackRejectedAndTheOthersAreWritten() throws InterruptedException {
        String stream = KinesisServers.uniqueName("sink-large");
        servers.createStream(stream, 1);
        byte[] oneMebibyte = new byte[KinesisSinkSettings.DEFAULT_MAX_RECORD_BYTES];
        Arrays.fill(oneMebibyte, (byte) 'x');
        SinkRecord tooLarge = new SinkRecord("key", oneMebibyte);
        List<SinkRecord> records = List.of(record("key", "before"), tooLarge, record("key", "after"));

        List<RejectedRecord> rejected = new KinesisSink(servers.clients().kinesis(), stream, KinesisSinkSettings.defaults())
                .put(records);

        assertEquals(List.of(new RejectedRecord(tooLarge,
                "the record is 1048579 bytes (data plus partition key), over the stream's limit of 1048576 bytes")), rejected);
        assertEquals(Map.of("key", List.of("before", "after")), byKey(stream));
    }

    /**
     * A sink that allows larger records than the stream: the server takes some records of a put and refuses others,
     * which come back rejected with its reason, while the records around them, of the same key, are written in order.
     */
    @Test
    void recordsTheServerRefusesInAPartlyFailedPutComeBackRejected() throws InterruptedException {
        String stream = KinesisServers.uniqueName("sink-refused");
        servers.createStream(stream, 2);
        byte[] overStreamLimit = new byte[KinesisSinkSettings.DEFAULT_MAX_RECORD_BYTES + 10];
        SinkRecord refused = new SinkRecord("a", overStreamLimit);
        List<SinkRecord> records = List.of(record("a", "a1"), record("b", "b1"), refused, record("a", "a2"),
                record("b", "b2"));

        List<RejectedRecord> rejected = new KinesisSink(servers.clients().kinesis(), stream,
                KinesisSinkSettings.defaults().withMaxRecordBytes(2 * KinesisSinkSettings.DEFAULT_MAX_RECORD_BYTES)).put(records);

        assertEquals(1, rejected.size(), "rejected: " + rejected);
        assertEquals(refused, rejected.get(0).record());
        assertTrue(rejected.get(0).reason().startsWith("Kinesis refused the record: InvalidArgumentException: "),
                rejected.get(0).reason());
        assertEquals(Map.of("a", List.of("a1", "a2"), "b", List.of("b1", "b2")), byKey(stream));
    }

    @Test
    void putsThatKeepFailingAreRetriedUntilTheLimitThenFailSayingWhy() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        KinesisClients.Endpoints nowhere = new KinesisClients.Endpoints(KinesisServers.REGION,
                Optional.of(URI.create("http://127.0.0.1:" + closedPort)), Optional.empty(), Optional.empty());
        try (KinesisAsyncClient client = KinesisClients.kinesisBuilder(nowhere, KinesisServers.CREDENTIALS).build()) {
            Duration giveUpAfter = Duration.ofSeconds(2);
            KinesisSink sink = new KinesisSink(client, "unreachable",
                    KinesisSinkSettings.defaults().withRetries(Duration.ofMillis(50), Duration.ofMillis(200), giveUpAfter));
            long started = System.nanoTime();

            KinesisException failure = assertThrows(KinesisException.class, () -> sink.put(List.of(record("key", "x"))));

            assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(giveUpAfter) >= 0, "gave up early");
            assertTrue(failure.getMessage().startsWith("putting records to Kinesis stream unreachable made no progress for "),
                    failure.getMessage());
            assertTrue(failure.getMessage().endsWith(" (throttled or failing; 1 records not written)"), failure.getMessage());
        }
    }

    @Test
    void aMissingStreamFailsWithItsName() {
        String stream = KinesisServers.uniqueName("no-such-stream");
        KinesisSink sink = new KinesisSink(servers.clients().kinesis(), stream, KinesisSinkSettings.defaults());

        KinesisException failure = assertThrows(KinesisException.class, () -> sink.put(List.of(record("key", "x"))));

        assertTrue(failure.getMessage().startsWith("putting records to Kinesis stream " + stream + " failed: "),
                failure.getMessage());
    }
}

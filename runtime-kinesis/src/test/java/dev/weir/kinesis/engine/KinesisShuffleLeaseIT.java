package dev.weir.kinesis.engine;

import static dev.weir.runtime.contract.WindowAssertions.assertSameWindows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.contract.EngineContract;
import dev.weir.runtime.contract.ReferenceWindows;
import dev.weir.runtime.pipeline.RecordListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A lease lost and taken back by the same worker, as a slow lease renewal under load does: every lease of a job on the
 * shuffle engine (its source shard's and its window tasks') is taken from under it in the lease tables by an owner
 * that never renews, so the Kinesis Client Library reports each lost and, once it has expired, hands it back to the
 * same worker. The tasks resume from their state in memory: nothing is written twice, no window and no dead letter,
 * though no checkpoint was written before the loss.
 */
class KinesisShuffleLeaseIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final int EVENTS = 300;
    private static final String ELSEWHERE = "a-worker-that-never-renews";

    @TempDir
    Path temp;

    @Test
    void leasesLostAndTakenBackByTheSameWorkerWriteNothingTwice() throws Exception {
        TestJobStreams streams = TestJobStreams.created(servers, 1);
        String out = streams.out();
        StreamJob job = streams.job("lease-blip", """
                  processingGuarantee: at_least_once
                  replicas: 2
                  eventTime: {field: t}
                  pipeline:
                    - window: {keyBy: k, tumbling: 1m, allowedLateness: 10s, aggregate: {n: count(), total: sum(v)}}
                """);
        List<ReferenceWindows.Event> events = EngineContract.generate(5, EVENTS, 60 * EngineContract.SECOND);
        Set<String> malformed = new TreeSet<>();
        String application = KinesisServers.uniqueName("blip");
        String worker = application + "-worker";
        KinesisSourceSettings source = KinesisServers.testReads(application, streams.in(), worker);
        // no periodic checkpoint within the test: a task restored from the store would start from nothing
        KinesisEngineSettings settings = new KinesisEngineSettings(source, KinesisSinkSettings.defaults(), true,
                Duration.ofMinutes(10));
        TaskCheckpoints checkpoints = TaskCheckpoints.open(Files.createDirectories(temp.resolve("store")).toUri(),
                "lease-blip", CheckpointSettings.defaults());
        try (KinesisShuffleEngine engine = new KinesisShuffleEngine(job, settings,
                new ShuffleSettings(KinesisServers.uniqueName("shuffle"), 2, Duration.ofMillis(500)),
                servers.clients(), new RecordListener() {}, checkpoints, temp.resolve("state"))) {
            engine.start();
            int half = EVENTS / 2;
            streams.send(events.subList(0, half), malformed);
            Awaitility.await("windows closed before the leases are lost").atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofMillis(500)).until(() -> !servers.jsonRecords(out).isEmpty()
                            && engine.processed() >= half + malformed.size());
            List<String> tables = List.of(application, KinesisLayout.windowsApplication(application));
            int taken = 0;
            for (String table : tables) {
                taken += takeLeases(table);
            }
            assertEquals(3, taken, "the source shard's lease and both shuffle shards'");
            Awaitility.await("the worker takes every lease back").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> tables.stream()
                            .allMatch(table -> owners(table).stream().allMatch(worker::equals)));

            streams.send(events.subList(half, EVENTS), malformed);
            streams.endInput();
            engine.drained().get(150, TimeUnit.SECONDS);
        }

        ReferenceWindows.Result expected = ReferenceWindows.run(events, "tumbling", 60_000, 60_000,
                10 * EngineContract.SECOND);
        List<Map<String, Object>> windows = servers.jsonRecords(out);
        // the reference has more aggregates than this job: compare the job's own
        List<Map<String, Object>> want = expected.windows().stream().map(w -> {
            Map<String, Object> kept = new HashMap<>();
            List.of("k", "window_start", "window_end", "n", "total").forEach(field -> kept.put(field, w.get(field)));
            return kept;
        }).toList();
        assertSameWindows(want, windows, "k");
        List<Map<String, Object>> deadLetters = servers.jsonRecords(streams.dlq());
        Set<String> seen = new TreeSet<>();
        for (Map<String, Object> deadLetter : deadLetters) {
            assertTrue(seen.add((String) deadLetter.get("record")), "dead-lettered twice: " + deadLetter);
        }
        assertEquals(malformed.size() + expected.lateOffsets().size(), deadLetters.size(), deadLetters.toString());
    }

    /** Gives every lease of the table to an owner that never renews it; returns how many there were. */
    private static int takeLeases(String table) {
        List<Map<String, AttributeValue>> leases = KinesisServers.call("scanning " + table,
                () -> servers.clients().dynamoDb().scan(request -> request.tableName(table))).items();
        int taken = 0;
        for (Map<String, AttributeValue> lease : leases) {
            if (!lease.containsKey("leaseCounter")) {
                // not a lease held by a worker (yet): an item the library keeps for itself
                System.out.println("lease table " + table + ": left alone " + lease);
                continue;
            }
            taken++;
            long counter = Long.parseLong(lease.get("leaseCounter").n());
            KinesisServers.call("taking " + lease.get("leaseKey").s(), () -> servers.clients().dynamoDb()
                    .updateItem(request -> request.tableName(table)
                            .key(Map.of("leaseKey", lease.get("leaseKey")))
                            .updateExpression("SET leaseOwner = :owner, leaseCounter = :counter")
                            .expressionAttributeValues(Map.of(":owner", AttributeValue.fromS(ELSEWHERE),
                                    ":counter", AttributeValue.fromN(Long.toString(counter + 1))))));
        }
        return taken;
    }

    /** The owner of each shard's lease in the table (the library's other items have no lease counter). */
    private static List<String> owners(String table) {
        return KinesisServers.call("scanning " + table, () -> servers.clients().dynamoDb()
                        .scan(request -> request.tableName(table))).items().stream()
                .filter(lease -> lease.containsKey("leaseCounter"))
                .map(lease -> lease.containsKey("leaseOwner") ? lease.get("leaseOwner").s() : "")
                .toList();
    }

}

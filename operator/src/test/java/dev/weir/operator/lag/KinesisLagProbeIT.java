package dev.weir.operator.lag;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.kinesis.KinesisException;
import dev.weir.kinesis.KinesisSource;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.RecordBatch;
import dev.weir.kinesis.ShardListener;
import dev.weir.kinesis.ShardPosition;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.operator.autoscaler.LagUnit;
import dev.weir.operator.autoscaler.Load;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The probe's reading of kinesis-local and moto at zero pods: the lease table written as the Kinesis Client Library
 * writes it (and once by a real worker of runtime-kinesis's KinesisSource), known backlogs whose age the test
 * measures around each read, a split while the job still reads the parent, startingPosition LATEST, and an unknown
 * stream.
 */
class KinesisLagProbeIT {
    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    /** Slack for the servers' arrival timestamps (milliseconds) against the operator's clock. */
    private static final Duration SLACK = Duration.ofMillis(250);

    private final KinesisLagProbe probe = new KinesisLagProbe(Clock.systemUTC(), KinesisServers.CREDENTIALS,
            servers.endpoints().dynamoDb());

    @AfterEach
    void close() {
        probe.close();
    }

    @Test
    void theFurthestShardsRecordAgeIsTheLagAtZeroPodsAndRatesCountShardsWithInput() {
        String stream = KinesisServers.uniqueName("lag");
        servers.createStream(stream, 2);
        List<Shard> shards = servers.openShards(stream);
        StreamJob job = job(stream, "TRIM_HORIZON");
        LagReading empty = probe.read(job);
        assertEquals(2, empty.partitions());
        assertEquals(0, empty.lag(), "an empty stream is no lag");
        assertEquals(LagUnit.SHARD_MILLISECONDS, empty.unit());

        Put a1 = put(stream, shards.get(0), "a1");
        Put a2 = put(stream, shards.get(0), "a2");
        Instant written = Instant.now();
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(written.plusSeconds(2)));
        Put a3 = put(stream, shards.get(0), "a3");
        Put b1 = put(stream, shards.get(1), "b1");

        // never ran: no lease table; both shards from their trim horizon; the furthest is a1's age, for 2 shards
        Timed first = timed(() -> probe.read(job));
        assertBehind(first, a1);
        assertEquals(2 * first.reading.behind().orElseThrow().toMillis(), first.reading.lag());

        LagTracker tracker = new LagTracker(Duration.ofMinutes(1));
        tracker.observe(first.reading);
        Timed second = afterGap(job);
        Load zeroPods = tracker.observe(second.reading);
        assertEquals(2000, zeroPods.inputRate(), 1, "2 shards with input bring 2 shard-seconds a second");
        assertEquals(0, zeroPods.processingRate(), 100, "at zero pods nothing is processed: " + zeroPods);

        // the job processed a1 and a2 (as the Kinesis Client Library checkpoints: the last sequence number done)
        createLeaseTable(job);
        lease(job, shards.get(0).shardId(), a2.sequenceNumber);
        lease(job, shards.get(1).shardId(), "TRIM_HORIZON");
        Timed third = afterGap(job);
        assertBehind(third, a3);
        Load drained = tracker.observe(third.reading);
        assertTrue(drained.recentProcessingRate() > drained.inputRate(), "a shrinking backlog shows processing: "
                + drained);

        lease(job, shards.get(0).shardId(), a3.sequenceNumber);
        lease(job, shards.get(1).shardId(), b1.sequenceNumber);
        LagReading caughtUp = afterGap(job).reading;
        assertEquals(0, caughtUp.lag());
        LagReading quiet = afterGap(job).reading;
        assertEquals(0, quiet.lag());
        assertEquals(caughtUp.end(), quiet.end(), "no record and no checkpoint moving: no input");
    }

    @Test
    void aSplitMidRunCountsTheParentUntilItsEndThenTheChildrenFromTheirTrimHorizon() {
        String stream = KinesisServers.uniqueName("lag-split");
        servers.createStream(stream, 1);
        Shard parent = servers.openShards(stream).get(0);
        StreamJob job = job(stream, "TRIM_HORIZON");
        Put p1 = put(stream, parent, "p1");
        Put p2 = put(stream, parent, "p2");
        createLeaseTable(job);
        lease(job, parent.shardId(), p1.sequenceNumber);
        Timed before = timed(() -> probe.read(job));
        assertEquals(1, before.reading.partitions());
        assertBehind(before, p2);

        servers.split(stream, parent.shardId());
        List<Shard> children = servers.openShards(stream);
        assertEquals(2, children.size());
        Put c1 = put(stream, children.get(0), "c1");
        Timed split = afterGap(job);
        assertEquals(2, split.reading.partitions(), "the pod bound is the open shards");
        assertBehind(split, p2);

        // the library read the parent to its end and took the children's leases at their trim horizon
        lease(job, parent.shardId(), "SHARD_END");
        lease(job, children.get(0).shardId(), "TRIM_HORIZON");
        lease(job, children.get(1).shardId(), "TRIM_HORIZON");
        Timed parentDone = afterGap(job);
        assertEquals(2, parentDone.reading.partitions());
        assertBehind(parentDone, c1);

        lease(job, children.get(0).shardId(), c1.sequenceNumber);
        assertEquals(0, afterGap(job).reading.lag());
    }

    @Test
    void latestCountsRecordsWrittenSinceTheProbeFirstSawTheShard() {
        String stream = KinesisServers.uniqueName("lag-latest");
        servers.createStream(stream, 1);
        Shard shard = servers.openShards(stream).get(0);
        StreamJob job = job(stream, "LATEST");
        put(stream, shard, "before");
        Instant written = Instant.now();
        await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(written.plusMillis(100)));
        assertEquals(0, probe.read(job).lag(), "a job starting at LATEST skips what was there");

        Put after = put(stream, shard, "after");
        Timed woken = afterGap(job);
        assertTrue(woken.reading.lag() > 0, "one record wakes a job at zero pods");
        assertBehind(woken, after);
    }

    @Test
    void readsTheLeaseTableARealKinesisClientLibraryWorkerCheckpointed() {
        String stream = KinesisServers.uniqueName("lag-kcl");
        servers.createStream(stream, 2);
        List<Shard> shards = servers.openShards(stream);
        StreamJob job = job(stream, "TRIM_HORIZON");
        for (Shard shard : shards) {
            put(stream, shard, "before-" + shard.shardId());
        }
        Map<String, ShardPosition> last = new ConcurrentHashMap<>();
        try (KinesisSource source = new KinesisSource(KinesisSourceSettings.defaults(ConsumerGroups.of(job), stream,
                "worker-0").withTimings(Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(2),
                Duration.ofSeconds(1)), servers.clients(), new LastPositions(last))) {
            source.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> last.keySet().size() == shards.size());
            last.forEach(source::checkpoint);
        }
        // zero pods: the worker is gone, its checkpoints stay
        assertEquals(0, probe.read(job).lag(), "checkpointed at the last record: no lag");

        Put later = put(stream, shards.get(1), "later");
        Timed woken = afterGap(job);
        assertEquals(1, woken.reading.lag() / woken.reading.behind().orElseThrow().toMillis(),
                "one shard with input");
        assertBehind(woken, later);
    }

    /** Keeps each shard's last position delivered, for the test to checkpoint. */
    private record LastPositions(Map<String, ShardPosition> last) implements ShardListener {
        @Override
        public Optional<ShardPosition> shardStarted(String shardId, Optional<ShardPosition> leaseCheckpoint) {
            return Optional.empty();
        }

        @Override
        public void records(RecordBatch batch) {
            batch.records().forEach(record -> last.put(record.shardId(), record.position()));
        }

        @Override
        public CompletionStage<?> shardEnded(String shardId) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void shardStopped(String shardId) {
        }

        @Override
        public void sourceStopped(KinesisException failure) {
            // the test's checks read the stream and lease table, which show a worker that stopped reading
        }
    }

    @Test
    void anUnknownStreamNamesTheStreamAndTheActions() {
        StreamJob job = job(KinesisServers.uniqueName("lag-missing"), "TRIM_HORIZON");
        LagProbeException e = assertThrows(LagProbeException.class, () -> probe.read(job));
        assertTrue(e.getMessage().contains(job.getSpec().source.kinesis.stream), e.getMessage());
        assertTrue(e.getMessage().contains("kinesis:ListShards"), e.getMessage());
    }

    /** The next reading, once the probe's minimum gap between polls has passed. */
    private Timed afterGap(StreamJob job) {
        Instant from = Instant.now();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Instant.now().isAfter(from.plus(KinesisLagProbe.MIN_POLL_GAP).plusMillis(50)));
        return timed(() -> probe.read(job));
    }

    /** The reading's furthest shard is {@code oldest}'s age, bounded by when it was written and when it was read. */
    private static void assertBehind(Timed timed, Put oldest) {
        Duration behind = timed.reading.behind().orElseThrow();
        Duration least = Duration.between(oldest.done, timed.before).minus(SLACK);
        Duration most = Duration.between(oldest.sent, timed.after).plus(SLACK);
        assertTrue(behind.compareTo(least) >= 0 && behind.compareTo(most) <= 0,
                "behind " + behind + ", expected between " + least + " and " + most);
    }

    private static Timed timed(Supplier<LagReading> read) {
        Instant before = Instant.now();
        LagReading reading = read.get();
        return new Timed(before, reading, Instant.now());
    }

    private record Timed(Instant before, LagReading reading, Instant after) {
    }

    private record Put(Instant sent, String sequenceNumber, Instant done) {
    }

    /** Writes one record to that shard (its starting hash key routes it there). */
    private static Put put(String stream, Shard shard, String data) {
        Instant sent = Instant.now();
        String sequenceNumber = KinesisServers.call("putting " + data, () -> servers.clients().kinesis()
                .putRecord(request -> request.streamName(stream).partitionKey(data)
                        .explicitHashKey(new BigInteger(shard.hashKeyRange().startingHashKey()).toString())
                        .data(SdkBytes.fromUtf8String("{\"v\":\"" + data + "\"}")))).sequenceNumber();
        return new Put(sent, sequenceNumber, Instant.now());
    }

    /** The lease table as the Kinesis Client Library creates it: named after the application, keyed by leaseKey. */
    private static void createLeaseTable(StreamJob job) {
        KinesisServers.call("creating the lease table", () -> servers.clients().dynamoDb().createTable(request -> request
                .tableName(ConsumerGroups.of(job))
                .attributeDefinitions(definition -> definition.attributeName(KinesisLagProbe.LEASE_KEY)
                        .attributeType(ScalarAttributeType.S))
                .keySchema(key -> key.attributeName(KinesisLagProbe.LEASE_KEY).keyType(KeyType.HASH))
                .billingMode(BillingMode.PAY_PER_REQUEST)));
    }

    /** A shard's lease with its checkpoint, as the Kinesis Client Library writes it. */
    private static void lease(StreamJob job, String shardId, String checkpoint) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KinesisLagProbe.LEASE_KEY, AttributeValue.fromS(shardId));
        item.put(KinesisLagProbe.CHECKPOINT, AttributeValue.fromS(checkpoint));
        item.put("checkpointSubSequenceNumber", AttributeValue.fromN("0"));
        item.put("leaseCounter", AttributeValue.fromN("1"));
        item.put("ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"));
        KinesisServers.call("writing the lease of " + shardId, () -> servers.clients().dynamoDb()
                .putItem(request -> request.tableName(ConsumerGroups.of(job)).item(item)));
    }

    private static StreamJob job(String stream, String startingPosition) {
        try {
            return JobFiles.readString("""
                    apiVersion: weir.dev/v1alpha1
                    kind: StreamJob
                    metadata: {name: %s, namespace: it}
                    spec:
                      source: {kinesis: {stream: %s, region: %s, endpoint: "%s", startingPosition: %s}}
                      sink: {kinesis: {stream: %s-out}}
                      deadLetter: {kinesis: {stream: %s-dlq}}
                      processingGuarantee: at_least_once
                    """.formatted(stream, stream, KinesisServers.REGION.id(),
                    servers.endpoints().kinesis().orElseThrow(), startingPosition, stream, stream), "job.yaml");
        } catch (InvalidJobException e) {
            throw new AssertionError(e);
        }
    }
}

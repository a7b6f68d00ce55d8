package dev.weir.kinesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.weir.kinesis.RecordingListener.Event;
import dev.weir.kinesis.RecordingListener.Kind;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.kinesis.testing.KinesisServers;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KinesisSourceIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(120);

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        Collections.reverse(closeAfter);
        for (AutoCloseable closeable : closeAfter) {
            closeable.close();
        }
    }

    private static KinesisSourceSettings settings(String application, String stream, String worker) {
        return KinesisServers.testReads(application, stream, worker);
    }

    private KinesisSource started(KinesisSourceSettings settings, KinesisClients clients, RecordingListener listener) {
        KinesisSource source = new KinesisSource(settings, clients, listener);
        listener.checkpointingTo(source);
        closeAfter.add(source);
        source.start();
        return source;
    }

    private static List<String> produce(String stream, String prefix, int count, int keys) {
        List<String> produced = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String data = prefix + "-" + i;
            servers.put(stream, "key-" + (i % keys), data);
            produced.add(data);
        }
        return produced;
    }

    private static void awaitDelivered(RecordingListener listener, Set<String> expected) {
        Awaitility.await(expected.size() + " records delivered").atMost(DELIVERY_TIMEOUT).pollInterval(Duration.ofMillis(250))
                .until(() -> listener.data().containsAll(expected));
    }

    @Test
    void readsEveryShardFromTheTrimHorizonOnceAndInOrderPerKey() {
        String stream = KinesisServers.uniqueName("several-shards");
        servers.createStream(stream, 4);
        List<String> produced = produce(stream, "r", 120, 12);
        RecordingListener listener = new RecordingListener();

        started(settings(KinesisServers.uniqueName("app"), stream, "worker-1"), servers.clients(), listener);

        awaitDelivered(listener, Set.copyOf(produced));
        List<String> delivered = listener.data();
        assertEquals(produced.size(), delivered.size(), "each record once: " + delivered);
        assertEquals(4, listener.shardsWith(Kind.STARTED).size(), "every shard read: " + listener.events());
        assertInOrderPerKey(delivered, 12);
    }

    /** Also: a shard read to its end is polled once per caught-up interval, not 5 times a second. */
    @Test
    void latestSkipsWhatWasWrittenBeforeTheStartAndAnIdleShardIsPolledSlowly() {
        String stream = KinesisServers.uniqueName("latest");
        servers.createStream(stream, 1);
        produce(stream, "before", 5, 1);
        RecordingListener listener = new RecordingListener();
        String shard = servers.openShards(stream).get(0).shardId();
        AtomicInteger reads = new AtomicInteger();

        started(settings(KinesisServers.uniqueName("app"), stream, "worker-1")
                .withStartingPosition(KinesisSourceSettings.StartingPosition.LATEST)
                .withReads(Duration.ofSeconds(1), 1_000, 2), countingReads(reads, new AtomicInteger()), listener);
        // an empty batch means the shard iterator is taken: later records are after LATEST
        Awaitility.await("a first read of " + shard).atMost(DELIVERY_TIMEOUT).until(() -> listener.batches(shard) > 0);
        int readsBefore = reads.get();
        // at most one read a second, with slack for timing; 5 a second would be 25
        Awaitility.await("an idle shard read about once a second").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                .until(() -> reads.get() - readsBefore <= 8);
        List<String> after = produce(stream, "after", 5, 1);

        awaitDelivered(listener, Set.copyOf(after));
        assertEquals(after, listener.data());
    }

    @Test
    void recordsAtOrBeforeTheRestoredPositionAreSkipped() {
        String stream = KinesisServers.uniqueName("restored");
        servers.createStream(stream, 1);
        List<String> produced = new ArrayList<>();
        List<ShardPosition> positions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            produced.add("r-" + i);
            positions.add(ShardPosition.of(servers.put(stream, "key", "r-" + i).sequenceNumber()));
        }
        ShardPosition engineCheckpoint = positions.get(9);
        RecordingListener listener = new RecordingListener().restoring(shardId -> Optional.of(engineCheckpoint));

        started(settings(KinesisServers.uniqueName("app"), stream, "worker-1"), servers.clients(), listener);

        awaitDelivered(listener, Set.copyOf(produced.subList(10, 20)));
        assertEquals(produced.subList(10, 20), listener.data());
    }

    @Test
    void childrenOfASplitAndAMergeAreReadAfterTheirParentsAndNothingIsLostOrRepeated() {
        String stream = KinesisServers.uniqueName("reshard");
        servers.createStream(stream, 2);
        RecordingListener listener = new RecordingListener();
        started(settings(KinesisServers.uniqueName("app"), stream, "worker-1"), servers.clients(), listener);
        List<String> produced = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        Thread producer = new Thread(() -> {
            for (int i = 0; producing.get(); i++) {
                try {
                    servers.put(stream, "key-" + (i % 16), "r-" + i);
                    produced.add("r-" + i);
                } catch (IllegalStateException e) {
                    failures.incrementAndGet();
                }
            }
        }, "producer");
        producer.start();
        closeAfter.add(() -> {
            producing.set(false);
            producer.join();
        });

        Awaitility.await("records before the split").atMost(DELIVERY_TIMEOUT).until(() -> listener.data().size() >= 50);
        servers.split(stream, servers.openShards(stream).get(0).shardId());
        Awaitility.await("records after the split").atMost(DELIVERY_TIMEOUT).until(() -> listener.data().size() >= 150);
        List<Shard> open = servers.openShards(stream);
        servers.merge(stream, open.get(1).shardId(), open.get(2).shardId());
        Awaitility.await("records after the merge").atMost(DELIVERY_TIMEOUT).until(() -> listener.data().size() >= 250);
        producing.set(false);
        Awaitility.await("producer stopped").atMost(Duration.ofSeconds(30)).until(() -> !producer.isAlive());

        awaitDelivered(listener, Set.copyOf(produced));
        assertEquals(0, failures.get(), "puts that failed during resharding");
        assertEquals(produced.size(), listener.data().size(), "each record once");
        assertInOrderPerKey(listener.data(), 16);
        List<Shard> shards = servers.shards(stream);
        assertEquals(5, shards.size(), "2 shards, 2 children of the split, 1 of the merge: " + shards);
        List<Event> events = listener.events();
        for (Shard shard : shards) {
            int started = events.indexOf(new Event(Kind.STARTED, shard.shardId(), null));
            for (String parent : parents(shard)) {
                int parentEnded = events.indexOf(new Event(Kind.ENDED, parent, null));
                assertTrue(parentEnded >= 0 && parentEnded < started,
                        shard.shardId() + " started before its parent " + parent + " ended: " + events);
            }
        }
    }

    @Test
    void aWorkerThatJoinsTakesItsShareAndTheSurvivorTakesTheShardsOfOneThatStops() {
        String stream = KinesisServers.uniqueName("shared");
        String application = KinesisServers.uniqueName("app");
        servers.createStream(stream, 4);
        Set<String> all = new HashSet<>(servers.openShards(stream).stream().map(Shard::shardId).toList());
        RecordingListener first = new RecordingListener();
        RecordingListener second = new RecordingListener();
        KinesisSource firstSource = started(settings(application, stream, "worker-1"), servers.clients(), first);
        Awaitility.await("the first worker holding every shard").atMost(DELIVERY_TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> first.shards().equals(all));
        List<String> before = produce(stream, "before", 40, 8);
        awaitDelivered(first, Set.copyOf(before));

        started(settings(application, stream, "worker-2"), servers.clients(), second);

        Awaitility.await("the shards spread over both workers").atMost(DELIVERY_TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> first.shards().size() == 2 && second.shards().size() == 2
                        && union(first.shards(), second.shards()).equals(all));
        List<String> middle = produce(stream, "middle", 40, 8);
        Awaitility.await("records read by the two").atMost(DELIVERY_TIMEOUT)
                .until(() -> union(Set.copyOf(first.data()), Set.copyOf(second.data())).containsAll(middle));
        Set<String> firstShards = first.shards();

        firstSource.close();
        assertEquals(Set.of(), first.shards(), "the stopped worker was told each of its shards stopped");
        Awaitility.await("the second worker holding every shard").atMost(DELIVERY_TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> second.shards().equals(all));
        List<String> after = produce(stream, "after", 40, 8);

        awaitDelivered(second, Set.copyOf(after));
        assertFalse(first.data().stream().anyMatch(after::contains), "the stopped worker read on");
        assertFalse(second.data().stream().anyMatch(before::contains),
                "the joining worker read records the first had checkpointed: " + second.data());
        assertTrue(second.shardsWith(Kind.STARTED).containsAll(firstShards),
                "the second worker took " + firstShards + ": " + second.events());
    }

    @Test
    void aWorkerThatCannotInitializeItsLeasesTellsTheListenerItStopped() throws Exception {
        String stream = KinesisServers.uniqueName("no-leases");
        servers.createStream(stream, 1);
        // the lease tables' server is a loopback port nobody listens on: the library cannot create its tables
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        KinesisClients.Endpoints endpoints = servers.endpoints();
        // without the SDK's retries each of the library's initialization attempts fails at once (about 90 s with them)
        KinesisClients unreachable = new KinesisClients(
                KinesisClients.kinesisBuilder(endpoints, LocalKinesisServers.CREDENTIALS).build(),
                DynamoDbAsyncClient.builder().region(endpoints.region()).credentialsProvider(LocalKinesisServers.CREDENTIALS)
                        .endpointOverride(java.net.URI.create("http://127.0.0.1:" + closed))
                        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())).build(),
                CloudWatchAsyncClient.builder().region(endpoints.region())
                        .credentialsProvider(LocalKinesisServers.CREDENTIALS).build());
        closeAfter.add(unreachable);
        RecordingListener listener = new RecordingListener();
        started(settings(KinesisServers.uniqueName("app"), stream, "lonely"), unreachable, listener);
        Awaitility.await("the listener hears that the worker stopped").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> listener.events().stream().anyMatch(e -> e.kind() == Kind.SOURCE_STOPPED));
        Event stopped = listener.events().stream()
                .filter(e -> e.kind() == Kind.SOURCE_STOPPED).findFirst().orElseThrow();
        assertTrue(stopped.data().contains("stopped reading stream " + stream + " on its own"), stopped.data());
    }

    @Test
    void aBlockedListenerHoldsBackTheReads() {
        String stream = KinesisServers.uniqueName("slow");
        servers.createStream(stream, 1);
        List<String> produced = produce(stream, "r", 600, 10);
        AtomicInteger fetched = new AtomicInteger();
        KinesisClients clients = countingReads(new AtomicInteger(), fetched);
        RecordingListener listener = new RecordingListener().holding();
        int perRead = 50;
        int readAhead = 1;

        started(settings(KinesisServers.uniqueName("app"), stream, "worker-1").withReads(Duration.ofMillis(500), perRead, readAhead),
                clients, listener);
        // closed first: a source cannot stop a shard whose listener is blocked
        closeAfter.add(listener::release);

        // the batch the listener holds, the reads kept ready, and one read waiting to be kept
        int bound = (1 + readAhead + 1) * perRead;
        Awaitility.await("the first reads").atMost(DELIVERY_TIMEOUT).until(() -> fetched.get() >= 2 * perRead);
        Awaitility.await("reads stay within " + bound + " records while the listener is blocked")
                .during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                .until(() -> fetched.get() <= bound);
        listener.release();
        awaitDelivered(listener, Set.copyOf(produced));
        assertEquals(produced, listener.data());
    }

    /** Clients for the servers whose Kinesis client counts the GetRecords calls it makes and the records they bring. */
    private KinesisClients countingReads(AtomicInteger calls, AtomicInteger records) {
        ExecutionInterceptor counting = new ExecutionInterceptor() {
            @Override
            public void afterUnmarshalling(Context.AfterUnmarshalling context, ExecutionAttributes attributes) {
                if (context.response() instanceof GetRecordsResponse response) {
                    calls.incrementAndGet();
                    records.addAndGet(response.records().size());
                }
            }
        };
        KinesisClients clients = new KinesisClients(
                KinesisClients.kinesisBuilder(servers.endpoints(), KinesisServers.CREDENTIALS)
                        .overrideConfiguration(configuration -> configuration.addExecutionInterceptor(counting)).build(),
                servers.clients().dynamoDb(), servers.clients().cloudWatch());
        closeAfter.add(() -> clients.kinesis().close());
        return clients;
    }

    private static List<String> parents(Shard shard) {
        List<String> parents = new ArrayList<>();
        Optional.ofNullable(shard.parentShardId()).ifPresent(parents::add);
        Optional.ofNullable(shard.adjacentParentShardId()).ifPresent(parents::add);
        return parents;
    }

    private static Set<String> union(Set<String> first, Set<String> second) {
        Set<String> union = new HashSet<>(first);
        union.addAll(second);
        return union;
    }

    /** Records {@code prefix-i} were put with key {@code key-(i % keys)}: each key's must arrive in put order. */
    private static void assertInOrderPerKey(List<String> delivered, int keys) {
        Map<Integer, List<Integer>> byKey = new HashMap<>();
        for (String data : delivered) {
            int i = Integer.parseInt(data.substring(data.lastIndexOf('-') + 1));
            byKey.computeIfAbsent(i % keys, key -> new ArrayList<>()).add(i);
        }
        byKey.forEach((key, order) -> assertEquals(order.stream().sorted().toList(), order,
                "records of key-" + key + " out of order"));
    }
}

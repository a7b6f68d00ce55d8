package dev.weir.runtime.bench;

import dev.weir.checkpoint.LocalFiles;
import java.io.IOException;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.S3Options;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.runtime.kafka.state.CheckpointMetrics;
import dev.weir.runtime.kafka.state.JobCheckpoints;
import dev.weir.runtime.kafka.state.StateCheckpointer;
import dev.weir.runtime.kafka.StreamsSettings;
import dev.weir.runtime.local.EmbeddedKafka;
import dev.weir.checkpoint.testing.S3Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.awaitility.Awaitility;

/**
 * How fast a fresh instance of a job with large state is ready: (a) seeded from its S3 checkpoint (S3Proxy on
 * loopback) plus the changelog tail, against (b) the changelog alone, the two in one invocation on the same
 * broker and the same state; and the bytes an incremental checkpoint uploads after 1% of the state changed,
 * against the whole checkpoint. Not a timed test: it prints figures and the ratio (docs/benchmark.md).
 */
public final class RestoreBenchmark {
    private static final String APP_ID = "weir-restore-bench";
    private static final String INPUT = "restore-bench-in";
    private static final String STORE = "bench-state";
    private static final String BUCKET = "restore-bench";
    private static final int PARTITIONS = 2;
    /**
     * Entry shape by default: a window of the sensor example in Weir's window store, a 26-byte key (tag, length, the
     * 13-byte JSON key, window start) and an 84-byte value (start, end, four 17-byte accumulators).
     */
    private static final int DEFAULT_KEY_BYTES = 26;
    private static final int DEFAULT_VALUE_BYTES = 84;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(20);
    /** Leaving the group at once (static members only), so the next instance does not wait for a session timeout. */
    private static final KafkaStreams.CloseOptions LEAVE = new KafkaStreams.CloseOptions().leaveGroup(true)
            .timeout(Duration.ofSeconds(60));

    private final EmbeddedKafka kafka;
    private final Admin admin;
    private final S3Server s3;
    private final Path work;
    private final PrintStream out;
    private final int keys;
    private final int keyBytes;
    private final int valueBytes;
    private final Random random = new Random(42);

    private RestoreBenchmark(EmbeddedKafka kafka, Admin admin, S3Server s3, Path work, int keyBytes, int valueBytes,
                             int keys, PrintStream out) {
        this.kafka = kafka;
        this.admin = admin;
        this.s3 = s3;
        this.work = work;
        this.keyBytes = keyBytes;
        this.valueBytes = valueBytes;
        this.keys = keys;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        int stateMb = Integer.getInteger("bench.state-mb", 512);
        int keyBytes = Integer.getInteger("bench.key-bytes", DEFAULT_KEY_BYTES);
        int valueBytes = Integer.getInteger("bench.value-bytes", DEFAULT_VALUE_BYTES);
        if (keyBytes < 10 || valueBytes < 1) {
            throw new IllegalArgumentException("bench.key-bytes must be at least 10 and bench.value-bytes at least 1");
        }
        Path base = Files.createDirectories(Path.of(System.getProperty("bench.state-dir", "target/bench-state")));
        Path work = Files.createTempDirectory(base, "restore-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             S3Server s3 = S3Server.standalone()) {
            new RestoreBenchmark(kafka, admin, s3, work, keyBytes, valueBytes,
                    (int) ((long) stateMb * 1024 * 1024 / (keyBytes + valueBytes)), System.out).run();
        } finally {
            deleteQuietly(work);
        }
        System.exit(0);
    }

    private void run() throws Exception {
        out.printf("Weir restore benchmark: %,d entries × (%d B key + %d B value) = %,d MB of state, %d partitions,"
                + " checkpoints every %s to S3Proxy on loopback%n", keys, keyBytes, valueBytes,
                (long) keys * (keyBytes + valueBytes) >> 20, PARTITIONS, CHECKPOINT_INTERVAL.toSeconds() + "s");
        kafka.createTopic(INPUT, PARTITIONS);
        s3.createBucket(BUCKET);
        URI location = URI.create("s3://" + BUCKET + "/checkpoints");
        CheckpointSettings settings = CheckpointSettings.defaults().withS3(s3.s3Options())
                .withTransferThreads(Integer.getInteger("bench.transfer-threads", JobCheckpoints.TRANSFER_THREADS));

        long start = System.nanoTime();
        produce(0, keys, "initial state");
        KafkaStreams builder = start(work.resolve("builder"), checkpointer(location, settings, work.resolve("builder")),
                new RestoreTimeline());
        awaitProcessed();
        out.printf("state built in %.1f s%n", seconds(start));
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(location, APP_ID, settings)) {
            List<CheckpointInfo> full = awaitCheckpointsOfAllInput(checkpoints);
            long fullBytes = full.stream().mapToLong(CheckpointInfo::totalBytes).sum();
            out.printf("checkpoint of the whole state: %,d bytes in %d task checkpoints%n", fullBytes, full.size());

            produceChanges(keys / 100);
            awaitProcessed();
            List<CheckpointInfo> incremental = awaitCheckpointsOfAllInput(checkpoints);
            // the change may span more than one checkpoint interval: count every checkpoint after the full one
            List<CheckpointInfo> since = checkpoints.list().stream().filter(c -> !c.savepoint() && full.stream()
                    .anyMatch(f -> f.taskId().equals(c.taskId()) && c.createdAt().isAfter(f.createdAt()))).toList();
            long uploaded = since.stream().mapToLong(CheckpointInfo::uploadedBytes).sum();
            long total = incremental.stream().mapToLong(CheckpointInfo::totalBytes).sum();
            out.printf("after changing 1%% of the keys: the incremental checkpoints (%d) uploaded %,d bytes of %,d"
                    + " (%.1f%%), a full one would upload all %,d%n", since.size(), uploaded, total,
                    100.0 * uploaded / total, total);

            produceChanges(keys / 200);
            awaitProcessed();
            long tail = changelogEnd() - incremental.stream()
                    .mapToLong(c -> c.changelogOffsets().values().stream().mapToLong(Long::longValue).sum()).sum();
            out.printf("then 0.5%% more changes, not checkpointed before the instance stops: a changelog tail of about"
                    + " %,d records%n", tail);
        }
        String digest = digest(builder);
        builder.close(LEAVE);
        URI local = downloadOnly(location, settings);

        double withCheckpoint = timeToReady("a) S3 checkpoint + changelog tail", work.resolve("fresh-a"),
                checkpointer(location, settings, work.resolve("fresh-a")), digest);
        double localCheckpoint = timeToReady("a') local-folder checkpoint + tail ", work.resolve("fresh-a2"),
                checkpointer(local, settings.withS3(S3Options.defaults()), work.resolve("fresh-a2")), digest);
        double changelogOnly = timeToReady("b) changelog replay alone        ", work.resolve("fresh-b"), null, digest);
        out.printf("ratio (b)/(a): %.2f× faster ready with the S3 checkpoint (target ≥ 3×); (b)/(a'): %.2f× with the"
                + " same checkpoint in a local folder%n", changelogOnly / withCheckpoint, changelogOnly / localCheckpoint);
    }

    /**
     * What (a) spends in S3: every task's newest checkpoint downloaded and verified, the tasks side by side as the
     * runtime downloads them when they are assigned. The downloaded checkpoints, with the same offsets, also go to a
     * local folder for (a').
     */
    private URI downloadOnly(URI location, CheckpointSettings settings) throws Exception {
        long start = System.nanoTime();
        URI local = work.resolve("local-checkpoints").toUri();
        List<CheckpointInfo> downloaded = new ArrayList<>();
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(location, APP_ID, settings)) {
            List<Future<CheckpointInfo>> downloads = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(PARTITIONS);
            try {
                for (int p = 0; p < PARTITIONS; p++) {
                    String task = "0_" + p;
                    Path dir = Files.createDirectories(work.resolve("download-only").resolve(task));
                    downloads.add(pool.submit(() -> checkpoints.restoreLatest(task, dir).orElseThrow()));
                }
                for (var download : downloads) {
                    downloaded.add(download.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
        double seconds = seconds(start);
        long bytes = downloaded.stream().mapToLong(CheckpointInfo::totalBytes).sum();
        out.printf("downloading and verifying the checkpoints alone: %,d bytes in %.1f s (%.0f MB/s, %d tasks side by"
                + " side, %d transfer threads)%n", bytes, seconds, bytes / 1e6 / seconds, PARTITIONS,
                settings.transferThreads());
        try (TaskCheckpoints copy = TaskCheckpoints.open(local, APP_ID, CheckpointSettings.defaults())) {
            for (CheckpointInfo info : downloaded) {
                copy.write(info.taskId(), work.resolve("download-only").resolve(info.taskId()), info.changelogOffsets(),
                        info.inputOffsets(), false);
            }
        }
        deleteQuietly(work.resolve("download-only"));
        return local;
    }

    private double timeToReady(String label, Path stateDir, StateCheckpointer checkpointer, String digest) {
        RestoreTimeline timeline = new RestoreTimeline();
        KafkaStreams app = start(stateDir, checkpointer, timeline);
        double seconds = timeline.seconds(timeline.running());
        String restored = digest(app);
        out.printf("%s: ready in %6.1f s; state %s%n", label, seconds,
                restored.equals(digest) ? "identical to the original (" + digest + ")"
                        : "DIFFERENT: " + restored + " instead of " + digest);
        out.printf("    %s%n", timeline.describe());
        app.close(LEAVE);
        return seconds;
    }

    private StateCheckpointer checkpointer(URI location, CheckpointSettings settings, Path stateDir) {
        return new StateCheckpointer(TaskCheckpoints.open(location, APP_ID, settings), Optional.empty(),
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())), APP_ID,
                CHECKPOINT_INTERVAL, stateDir.resolve(APP_ID), new CheckpointMetrics(new SimpleMeterRegistry()),
                Clock.systemUTC());
    }

    /** Starts the job (input → key-value store with a changelog) and returns once it is RUNNING. */
    private KafkaStreams start(Path stateDir, StateCheckpointer checkpointer, RestoreTimeline timeline) {
        KeyValueBytesStoreSupplier supplier = checkpointer == null ? Stores.persistentKeyValueStore(STORE)
                : checkpointer.storeSupplier(STORE);
        StreamsBuilder topology = new StreamsBuilder();
        topology.addStateStore(Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray()));
        topology.stream(INPUT, Consumed.with(Serdes.Bytes(), Serdes.ByteArray()))
                .process(() -> new Processor<Bytes, byte[], Void, Void>() {
                    private KeyValueStore<Bytes, byte[]> store;

                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        store = context.getStateStore(STORE);
                    }

                    @Override
                    public void process(Record<Bytes, byte[]> record) {
                        store.put(record.key(), record.value());
                    }
                }, STORE);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // the runtime's setting, for (a) and (b) alike
        props.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                StreamsSettings.RESTORE_FETCH_MAX_WAIT_MS);
        // static membership, as pods have: closing with leaveGroup removes the member, so the next one joins at once
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                stateDir.getFileName().toString());
        Topology built = topology.build();
        // as the runtime does: with checkpoints, the main consumer reports assigned tasks so their downloads overlap
        KafkaStreams app = checkpointer == null ? new KafkaStreams(built, props)
                : new KafkaStreams(built, props, checkpointer.clientSupplier(built));
        app.setStateListener((now, before) -> {
            timeline.state(now);
            if (now == KafkaStreams.State.NOT_RUNNING && checkpointer != null) {
                checkpointer.close();
            }
        });
        app.setGlobalStateRestoreListener(timeline);
        timeline.started();
        app.start();
        Awaitility.await("the job RUNNING").atMost(PHASE_TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> app.state() == KafkaStreams.State.RUNNING);
        return app;
    }

    /** Keys and an order-independent hash of every entry: two stores with the same digest hold the same state. */
    private static String digest(KafkaStreams app) {
        ReadOnlyKeyValueStore<Bytes, byte[]> store = app.store(
                StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
        long count = 0;
        long hash = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> e = it.next();
                count++;
                hash += 31L * e.key.hashCode() + Arrays.hashCode(e.value);
            }
        }
        return String.format("%,d keys, hash %016x", count, hash);
    }

    private void produce(int from, int to, String what) throws Exception {
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int k = from; k < to; k++) {
                producer.send(record(k));
            }
        }
        out.printf("%s: %,d records written in %.1f s%n", what, to - from, seconds(start));
    }

    private void produceChanges(int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(record(random.nextInt(keys)));
            }
        }
    }

    private ProducerRecord<byte[], byte[]> record(int key) {
        byte[] value = new byte[valueBytes];
        random.nextBytes(value);
        return new ProducerRecord<>(INPUT, String.format("k%0" + (keyBytes - 1) + "d", key).getBytes(), value);
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Until the job's committed offsets reach the end of the input. */
    private void awaitProcessed() {
        Awaitility.await("the input processed").atMost(PHASE_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
            Map<TopicPartition, OffsetSpec> latest = partitions(INPUT).stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APP_ID)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                    && committed.get(e.getKey()).offset() >= e.getValue().offset());
        });
    }

    private long changelogEnd() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = partitions(APP_ID + "-" + STORE + "-changelog").stream()
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                .mapToLong(r -> r.offset()).sum();
    }

    private static List<TopicPartition> partitions(String topic) {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    /**
     * The newest checkpoint of every task, once each holds all the input written so far (its input offsets reach the
     * end of its partition). Not "newer than now": a store that no longer changes is not checkpointed again.
     */
    private List<CheckpointInfo> awaitCheckpointsOfAllInput(TaskCheckpoints checkpoints) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = partitions(INPUT).stream()
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        Map<String, Long> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().toString(), e -> e.getValue().offset()));
        Map<String, CheckpointInfo> newest = new HashMap<>();
        Awaitility.await("a checkpoint of every task holding the input up to " + ends).atMost(PHASE_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    newest.clear();
                    for (CheckpointInfo c : checkpoints.list()) {
                        newest.putIfAbsent(c.taskId(), c);
                    }
                    return newest.size() == PARTITIONS && newest.values().stream().allMatch(c -> c.inputOffsets()
                            .entrySet().stream().allMatch(e -> e.getValue() >= ends.getOrDefault(e.getKey(), 0L))
                            && !c.inputOffsets().isEmpty());
                });
        return List.copyOf(newest.values());
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteQuietly(Path dir) {
        try {
            LocalFiles.deleteTree(dir);
        } catch (IOException e) {
            System.err.println("cannot delete " + dir + ": " + e.getMessage());
        }
    }
}

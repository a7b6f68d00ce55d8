package dev.weir.runtime.app;

import static dev.weir.runtime.app.ServeProcesses.caughtUp;
import static dev.weir.runtime.app.ServeProcesses.createJobTopics;
import static dev.weir.runtime.app.ServeProcesses.freePort;
import static dev.weir.runtime.app.ServeProcesses.get;
import static dev.weir.runtime.app.ServeProcesses.read;
import static dev.weir.runtime.app.ServeProcesses.send;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.checkpoint.StaticCredentials;
import dev.weir.checkpoint.testing.S3Server;
import dev.weir.runtime.contract.WindowAssertions;
import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.kafka.state.CheckpointMetrics;
import dev.weir.runtime.testing.KafkaBroker;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * State checkpoints in S3 with the packaged runtime ({@code weir serve}, exactly-once): a process is killed
 * with SIGKILL mid-stream after checkpoints were stored; a new one on an empty state directory seeds its window
 * stores from them (or, when they are corrupt, from the whole changelog), and the sink has every window exactly
 * once. And with S3 down, processing goes on while the checkpoints health group reports CheckpointsFailing,
 * which clears once S3 is back.
 */
@ExtendWith(KafkaBroker.class)
class CheckpointRestoreIT {
    @RegisterExtension
    static final S3Server S3 = new S3Server();

    private static final long BASE = 1_714_564_800_000L;
    private static final int PARTITIONS = 2;
    private static final int EVENTS = 6000;
    /** Enough keys for every window task to have state. */
    private static final int KEYS = 6;
    private static final String CHECKPOINT_HEALTH = "/q/health/group/" + CheckpointHealth.GROUP;

    @TempDir
    Path tmp;

    @Test
    void killedProcessRestoresFromCheckpoint(KafkaBroker kafka) throws Exception {
        Map<String, Double> restarted = killAndRestart(kafka, location -> { });
        assertEquals(PARTITIONS, restarted.get(restores(CheckpointMetrics.Restore.checkpoint)),
                "each window task of the new process seeded from a checkpoint: " + restarted);
        String log = log("second");
        assertEquals(PARTITIONS, log.split("prefetched when the task was assigned", -1).length - 1,
                () -> "each window task's checkpoint downloaded from the assignment on, not at task start:\n" + log);
    }

    @Test
    void corruptCheckpointFallsBackToTheChangelog(KafkaBroker kafka) throws Exception {
        Map<String, Double> restarted = killAndRestart(kafka, CheckpointRestoreIT::corruptEveryStoredFile);
        assertEquals(PARTITIONS, restarted.get(restores(CheckpointMetrics.Restore.fallback)),
                "each window task of the new process fell back to the changelog: " + restarted);
        assertEquals(0.0, restarted.get(restores(CheckpointMetrics.Restore.checkpoint)), restarted.toString());
    }

    /** Same size, other bytes: only the checksum tells. */
    private static void corruptEveryStoredFile(String bucket) {
        List<String> stored = S3.keys(bucket, "").stream().filter(k -> k.contains(".sst@")).toList();
        assertTrue(!stored.isEmpty(), "no stored SST file in bucket " + bucket);
        try (S3Client client = S3.client()) {
            for (String key : stored) {
                byte[] bytes = client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] ^= 0x5a;
                }
                client.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
            }
        }
    }

    interface BucketChange {
        void apply(String bucket) throws IOException;
    }

    /** A job over fresh topics and a fresh bucket, its events and the windows they make. */
    private record TestJob(String id, String source, String sink, String dlq, String bucket, Path file,
                           List<String> events, Map<String, Map<String, Object>> expected) {
        KafkaConsumer<byte[], byte[]> sinkReader(String bootstrap) {
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.GROUP_ID_CONFIG, "reader-" + id), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            consumer.subscribe(List.of(sink, dlq));
            return consumer;
        }
    }

    private TestJob newJob(String bootstrap) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String bucket = "ck-" + id;
        S3.createBucket(bucket);
        return newJob(bootstrap, id, bucket, "");
    }

    /** @param extraSpec more spec fields, one per line, indented by two */
    private TestJob newJob(String bootstrap, String id, String bucket, String extraSpec) throws Exception {
        String source = "ck-in-" + id;
        String sink = "ck-out-" + id;
        String dlq = "ck-dlq-" + id;
        createJobTopics(bootstrap, source, PARTITIONS, sink, dlq);
        Path job = tmp.resolve("job-" + id + ".yaml");
        Files.writeString(job, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: ck-%s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  eventTime: {field: t, idleTimeout: 10m}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, aggregate: {n: count(), total: sum(v)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                  checkpoints: {location: "s3://%s/jobs", interval: 1s, s3: {endpoint: "%s"}}
                %s""".formatted(id, bootstrap, source, sink, dlq, bucket, S3.endpoint(), extraSpec));

        List<String> events = new ArrayList<>();
        Map<String, Map<String, Object>> expected = new TreeMap<>();
        for (int i = 0; i < EVENTS; i++) {
            long t = BASE + i * 100L;
            String k = "k" + (i % KEYS);
            events.add("{\"k\":\"" + k + "\",\"t\":" + t + ",\"v\":" + i + "}");
            long start = t - t % 10_000;
            Map<String, Object> w = expected.computeIfAbsent(k + start, x -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("k", k);
                m.put("window_start", Instant.ofEpochMilli(start).toString());
                m.put("window_end", Instant.ofEpochMilli(start + 10_000).toString());
                m.put("n", 0L);
                m.put("total", 0L);
                return m;
            });
            w.put("n", (Long) w.get("n") + 1);
            w.put("total", (Long) w.get("total") + i);
        }
        return new TestJob(id, source, sink, dlq, bucket, job, events, expected);
    }

    @Test
    void checkpointsFailWhileS3IsDownAndRecover(KafkaBroker kafka) throws Exception {
        TestJob job = newJob(kafka.bootstrapServers());
        HttpClient http = HttpClient.newHttpClient();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = job.sinkReader(kafka.bootstrapServers())) {
            List<Map<String, Object>> windows = new ArrayList<>();
            List<Map<String, Object>> deadLetters = new ArrayList<>();
            Set<Integer> ends = new HashSet<>();
            send(producer, job.source(), job.events().subList(0, EVENTS / 3), PARTITIONS);
            int port = freePort();
            Process runtime = start(job.file(), tmp.resolve("state"), port, "runtime");
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> storedTasks(job.bucket(), "ck-" + job.id()) == PARTITIONS);
                assertTrue(get(http, port, CHECKPOINT_HEALTH).contains("\"UP\""), get(http, port, CHECKPOINT_HEALTH));
                S3.stop();
                read(consumer, job.sink(), windows, deadLetters, ends);
                int windowsBefore = windows.size();
                send(producer, job.source(), job.events().subList(EVENTS / 3, 2 * EVENTS / 3), PARTITIONS);
                await().atMost(Duration.ofSeconds(90)).until(() -> get(http, port, CHECKPOINT_HEALTH)
                        .contains(CheckpointHealth.FAILING));
                assertEquals(1.0, meters(http, port).get(prometheus(CheckpointMetrics.FAILING)));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    read(consumer, job.sink(), windows, deadLetters, ends);
                    return windows.size() > windowsBefore;
                });
                double written = meters(http, port).get(prometheus(CheckpointMetrics.WRITTEN) + "_total");
                S3.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> get(http, port, CHECKPOINT_HEALTH).contains("\"UP\""));
                Map<String, Double> meters = meters(http, port);
                assertEquals(0.0, meters.get(prometheus(CheckpointMetrics.FAILING)), meters.toString());
                assertTrue(meters.get(prometheus(CheckpointMetrics.WRITTEN) + "_total") > written, meters.toString());
                assertTrue(meters.get(prometheus(CheckpointMetrics.FAILURES) + "_total") > 0, meters.toString());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(get(http, port, CHECKPOINT_HEALTH) + "\n" + meters(http, port) + "\nlog:\n"
                        + log("runtime"), e);
            } finally {
                S3.start();
                runtime.destroy();
                runtime.waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(0, deadLetters.size(), () -> "dead letters: " + deadLetters);
        }
    }

    @Test
    void savepointAtShutdownStartsAJobOfAnotherName(KafkaBroker kafka) throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestJob old = newJob(bootstrap);
        String id = UUID.randomUUID().toString().substring(0, 8);
        TestJob next = newJob(bootstrap, id, old.bucket(),
                "  restoreFrom: s3://" + old.bucket() + "/jobs/weir-ck-" + old.id() + "\n");
        HttpClient http = HttpClient.newHttpClient();
        List<Map<String, Object>> windows = new ArrayList<>();
        List<Map<String, Object>> deadLetters = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> oldSink = old.sinkReader(bootstrap);
             KafkaConsumer<byte[], byte[]> nextSink = next.sinkReader(bootstrap);
             Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            send(producer, old.source(), old.events().subList(0, EVENTS / 2), PARTITIONS);
            Process first = start(old.file(), tmp.resolve("state-old"), freePort(), "old");
            try {
                String group = "weir-ck-" + old.id();
                await().atMost(Duration.ofSeconds(90)).until(() -> caughtUp(admin, group, old.source(), PARTITIONS));
                await().atMost(Duration.ofSeconds(30)).until(() -> caughtUp(admin, group,
                        dev.weir.runtime.kafka.JobTopics.keyedTopic(group), PARTITIONS));
            } finally {
                first.destroy();
                assertTrue(first.waitFor(60, TimeUnit.SECONDS), "SIGTERM ends the runtime");
            }
            assertEquals(PARTITIONS, S3.keys(old.bucket(), "jobs/weir-ck-" + old.id() + "/tasks/").stream()
                    .filter(k -> k.contains("/savepoints/") && k.endsWith("/manifest.json")).count(),
                    () -> "a savepoint of each window task; log:\n" + log("old"));
            Set<Integer> ends = new HashSet<>();
            read(oldSink, old.sink(), windows, deadLetters, ends);
            // the input goes on in the new job's source topic
            send(producer, next.source(), old.events().subList(EVENTS / 2, EVENTS), PARTITIONS);
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(next.source(), p, null, null, new byte[0], EndOfInput.headers()));
            }
            producer.flush();
            int port = freePort();
            Process second = start(next.file(), tmp.resolve("state-next"), port, "next");
            Map<String, Double> meters;
            try {
                Set<Integer> deadLetterEnds = new HashSet<>();
                await().atMost(Duration.ofSeconds(120)).until(() -> {
                    read(nextSink, next.sink(), windows, deadLetters, ends, deadLetterEnds);
                    return ends.size() >= PARTITIONS && deadLetterEnds.size() >= PARTITIONS;
                });
                meters = meters(http, port);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(PARTITIONS, meters.get(restores(CheckpointMetrics.Restore.savepoint)),
                    () -> meters + "\nlog:\n" + log("next"));
            assertEquals(0, deadLetters.size(), () -> "dead letters: " + deadLetters + "\n" + log("next"));
            read(oldSink, old.sink(), windows, deadLetters, ends);
            WindowAssertions.assertSameWindows(new ArrayList<>(old.expected().values()), windows, "k");
        }
    }


    /** @return the checkpoint meters of the second process, read before it stops */
    private Map<String, Double> killAndRestart(KafkaBroker kafka, BucketChange betweenRuns) throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestJob job = newJob(bootstrap);
        String id = job.id();
        String source = job.source();
        String sink = job.sink();
        String bucket = job.bucket();
        List<String> events = job.events();
        Map<String, Map<String, Object>> expected = job.expected();
        HttpClient http = HttpClient.newHttpClient();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = job.sinkReader(bootstrap)) {
            List<Map<String, Object>> windows = new ArrayList<>();
            List<Map<String, Object>> deadLetters = new ArrayList<>();
            Set<Integer> ends = new HashSet<>();

            send(producer, source, events.subList(0, EVENTS / 2), PARTITIONS);
            int port = freePort();
            Process first = start(job.file(), tmp.resolve("state-1"), port, "first");
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    read(consumer, sink, windows, deadLetters, ends);
                    return windows.size() >= 20;
                });
                await().atMost(Duration.ofSeconds(60)).until(() -> storedTasks(bucket, "ck-" + id) == PARTITIONS);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no checkpoint stored: " + meters(http, port) + "\nlog:\n" + log("first"), e);
            } finally {
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            betweenRuns.apply(bucket);
            send(producer, source, events.subList(EVENTS / 2, EVENTS), PARTITIONS);
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(source, p, null, null, new byte[0], EndOfInput.headers()));
            }
            producer.flush();
            int secondPort = freePort();
            Process second = start(job.file(), tmp.resolve("state-2"), secondPort, "second");
            Map<String, Double> meters;
            try {
                // every task's end marker on both topics: only then has every dead letter been read
                Set<Integer> deadLetterEnds = new HashSet<>();
                await().atMost(Duration.ofSeconds(150)).until(() -> {
                    read(consumer, sink, windows, deadLetters, ends, deadLetterEnds);
                    return ends.size() >= PARTITIONS && deadLetterEnds.size() >= PARTITIONS;
                });
                meters = meters(http, secondPort);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            String logs = log("first") + "\n--- restarted:\n" + log("second");
            assertEquals(0, deadLetters.size(), () -> deadLetters.size() + " dead letters, first " + deadLetters.get(0)
                    + "\nlogs of the runtime:\n" + logs);
            WindowAssertions.assertSameWindows(new ArrayList<>(expected.values()), windows, "k");
            return meters;
        }
    }

    /** Tasks with a complete checkpoint (its manifest) in the job's folder. */
    private static long storedTasks(String bucket, String job) {
        String tasks = "jobs/weir-" + job + "/tasks/";
        return S3.keys(bucket, tasks).stream().filter(k -> k.endsWith("/manifest.json"))
                .map(k -> k.substring(tasks.length(), k.indexOf('/', tasks.length()))).distinct().count();
    }

    private static String restores(CheckpointMetrics.Restore result) {
        return prometheus(CheckpointMetrics.RESTORES) + "_total{result=\"" + result.name() + "\"}";
    }

    private static String prometheus(String meter) {
        return meter.replace('.', '_');
    }

    /** The runtime's weir_* meters: series (name with labels) → value. */
    private static Map<String, Double> meters(HttpClient http, int port) {
        Map<String, Double> meters = new TreeMap<>();
        for (String line : get(http, port, "/q/metrics").split("\n")) {
            if (line.startsWith("weir_")) {
                int space = line.lastIndexOf(' ');
                meters.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return meters;
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log.out"));
        } catch (IOException e) {
            return e.toString();
        }
    }



    private Process start(Path job, Path stateDir, int managementPort, String name) throws Exception {
        ProcessBuilder pb = ServeProcesses.serve(tmp, job, stateDir, managementPort, name);
        pb.environment().put(StaticCredentials.ACCESS_KEY_ID_ENV, S3Server.ACCESS_KEY);
        pb.environment().put(StaticCredentials.SECRET_ACCESS_KEY_ENV, S3Server.SECRET_KEY);
        return pb.start();
    }


}

package dev.weir.runtime.app;

import static dev.weir.runtime.app.ServeProcesses.createJobTopics;
import static dev.weir.runtime.app.ServeProcesses.freePort;
import static dev.weir.runtime.app.ServeProcesses.get;
import static dev.weir.runtime.app.ServeProcesses.read;
import static dev.weir.runtime.app.ServeProcesses.send;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.contract.WindowAssertions;
import dev.weir.runtime.testing.KafkaBroker;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged runtime as a pod runs it ({@code weir serve}): health and metrics on the management
 * port, and exactly-once across a crash — killed with SIGKILL mid-stream, restarted on an empty
 * state directory, the sink (read_committed) has every window exactly once.
 */
@ExtendWith(KafkaBroker.class)
class ServeModeIT {
    private static final long BASE = 1_714_564_800_000L;
    private static final int PARTITIONS = 2;
    private static final int EVENTS = 6000;
    /**
     * Longer than the test: a first process left idle past the default 30s before its kill (an overloaded machine)
     * would move its watermark on with the wall clock and, by design, make the second half's first windows late.
     */
    private static final String IDLE_TIMEOUT = "1h";

    @TempDir
    Path tmp;

    @Test
    void crashMidStreamLosesAndDuplicatesNoWindow(KafkaBroker kafka) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String source = "eos-in-" + id;
        String sink = "eos-out-" + id;
        String dlq = "eos-dlq-" + id;
        String bootstrap = kafka.bootstrapServers();
        createJobTopics(bootstrap, source, PARTITIONS, sink, dlq);
        Path job = tmp.resolve("job.yaml");
        Files.writeString(job, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: eos-%s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  eventTime: {field: t, idleTimeout: %s}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, aggregate: {n: count(), total: sum(v)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                """.formatted(id, bootstrap, source, IDLE_TIMEOUT, sink, dlq));

        List<String> events = new ArrayList<>();
        Map<String, Map<String, Object>> expected = new TreeMap<>();
        for (int i = 0; i < EVENTS; i++) {
            long t = BASE + i * 100L;
            String k = "k" + (i % 3);
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

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                     ConsumerConfig.GROUP_ID_CONFIG, "reader-" + id), new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(sink, dlq));
            List<Map<String, Object>> windows = new ArrayList<>();
            List<Map<String, Object>> deadLetters = new ArrayList<>();
            Set<Integer> ends = new HashSet<>();
            Set<Integer> deadLetterEnds = new HashSet<>();

            send(producer, source, events.subList(0, EVENTS / 2), PARTITIONS);
            int port = freePort();
            Process first = start(job, tmp.resolve("state-1"), port, "first");
            try {
                HttpClient http = HttpClient.newHttpClient();
                try {
                    await().atMost(Duration.ofSeconds(90))
                            .until(() -> get(http, port, "/q/health/ready").contains("\"UP\""));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("not ready: " + get(http, port, "/q/health/ready") + "\nlog:\n"
                            + Files.readString(tmp.resolve("first.log")) + Files.readString(tmp.resolve("first.log.out")),
                            e);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    read(consumer, sink, windows, deadLetters, ends);
                    return windows.size() >= 20;
                });
                String metrics = get(http, port, "/q/metrics");
                assertTrue(metrics.contains("weir_records_in_total"), "job metrics on the management port");
                assertTrue(metrics.contains("weir_dead_letters_total{reason=\"late\"}"), metrics);
                assertTrue(metrics.contains("records_lag"), "per-partition consumer lag as the runtime sees it");
                assertTrue(metrics.contains("process_rate"), "Kafka Streams processing rate");
            } finally {
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            int beforeCrash = deadLetters.size();
            assertEquals(0, beforeCrash, () -> beforeCrash + " dead letters before the crash, first "
                    + deadLetters.get(0) + "\nlog:\n" + readQuietly(tmp.resolve("first.log.out")));
            send(producer, source, events.subList(EVENTS / 2, EVENTS), PARTITIONS);
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(source, p, null, null, new byte[0],
                        dev.weir.runtime.kafka.EndOfInput.headers()));
            }
            producer.flush();
            Process second = start(job, tmp.resolve("state-2"), freePort(), "second");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> {
                    read(consumer, sink, windows, deadLetters, ends, deadLetterEnds);
                    return ends.size() >= PARTITIONS && deadLetterEnds.size() >= PARTITIONS;
                });
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            String logs = Files.readString(tmp.resolve("first.log.out")) + "\n--- restarted:\n"
                    + Files.readString(tmp.resolve("second.log.out"));
            assertEquals(0, deadLetters.size(), () -> deadLetters.size() + " dead letters, first " + deadLetters.get(0)
                    + "\nlogs of the runtime:\n" + logs);
            try {
                WindowAssertions.assertSameWindows(new ArrayList<>(expected.values()), windows, "k");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nwindows in the order read: " + windows
                        + "\nlogs of the runtime:\n" + logs, e);
            }
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }



    private Process start(Path job, Path stateDir, int managementPort, String name) throws Exception {
        return ServeProcesses.serve(tmp, job, stateDir, managementPort, name).start();
    }


}

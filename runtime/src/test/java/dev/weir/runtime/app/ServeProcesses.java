package dev.weir.runtime.app;

import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.pipeline.Json;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** What the tests that run the packaged runtime in pod mode ({@code serve}) share: its start, input and output. */
final class ServeProcesses {
    private ServeProcesses() {
    }

    /** The runtime serving {@code job}, logging to {@code <logDir>/<name>.log(.out)}, Weir at DEBUG. */
    static ProcessBuilder serve(Path logDir, Path job, Path stateDir, int managementPort, String name) {
        return serve(logDir, job, stateDir, managementPort, name, List.of());
    }

    /** As {@link #serve(Path, Path, Path, int, String)}, with more JVM options (system properties). */
    static ProcessBuilder serve(Path logDir, Path job, Path stateDir, int managementPort, String name,
                                List<String> jvmOptions) {
        List<String> options = new ArrayList<>(List.of("-Dquarkus.management.port=" + managementPort,
                "-Dquarkus.http.port=0", "-Dquarkus.log.category.\"org.apache.kafka.streams\".level=INFO",
                // where each consumer starts, resets and seeks: ServeModeIT's unexplained loss (docs/runtime.md, Known
                // issues) looks like a window task's position passing records of the repartition topic
                "-Dquarkus.log.category.\"org.apache.kafka.clients.consumer.internals.SubscriptionState\".level=INFO",
                "-Dquarkus.log.category.\"dev.weir\".level=DEBUG"));
        options.addAll(jvmOptions);
        ProcessBuilder pb = RuntimeProcess.builder(logDir.resolve(name + ".log"), options, "serve", job.toString());
        pb.environment().put("WEIR_STATE_DIR", stateDir.toString());
        return pb;
    }

    /**
     * As {@link #serve(Path, Path, Path, int, String)} for a Kinesis job: its lease tables on the servers' DynamoDB,
     * with short lease timings, and test credentials (the servers take any key; the SDK's default chain reads these).
     */
    static ProcessBuilder serveKinesis(Path logDir, Path job, Path stateDir, int managementPort, String name,
                                       KinesisServers servers) {
        ProcessBuilder pb = serve(logDir, job, stateDir, managementPort, name, List.of(
                "-Dweir.kinesis.dynamodb-endpoint=" + servers.endpoints().dynamoDb().orElseThrow(),
                "-Dweir.kinesis.lease-duration=4s",
                "-Dweir.kinesis.leader-lease=8s",
                "-Dweir.kinesis.shard-sync-interval=2s"));
        pb.environment().put("AWS_ACCESS_KEY_ID", "weir-test-access-key");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "weir-test-secret-key");
        pb.environment().put("AWS_REGION", "us-east-1");
        return pb;
    }

    /** Writes events (JSON with a numeric "v") to partition v mod {@code partitions}, in order. */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<String> events, int partitions) {
        for (String e : events) {
            int partition = (int) (Long.parseLong(e.replaceAll(".*\"v\":(\\d+).*", "$1")) % partitions);
            producer.send(new ProducerRecord<>(topic, partition, null, e.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    /**
     * One poll: sink records into windows, others into deadLetters; the window tasks whose end-of-input marker is on
     * the sink into sinkEnds.
     */
    static void read(KafkaConsumer<byte[], byte[]> consumer, String sink, List<Map<String, Object>> windows,
                     List<Map<String, Object>> deadLetters, Set<Integer> sinkEnds) throws Exception {
        read(consumer, sink, windows, deadLetters, sinkEnds, new HashSet<>());
    }

    /**
     * One poll, keeping the window tasks whose end-of-input marker is on the sink and on the dead-letter topic apart:
     * the markers of one transaction can become readable on the sink a poll before the dead letters of that
     * transaction, so only a reader that has seen every task's marker on both topics has every dead letter. Tasks, not
     * markers: each task writes its marker to every partition of both topics, and a task restarted after its marker
     * (a rebalance under load) writes it again, so counting markers could end the read before another task's last
     * windows.
     */
    static void read(KafkaConsumer<byte[], byte[]> consumer, String sink, List<Map<String, Object>> windows,
                     List<Map<String, Object>> deadLetters, Set<Integer> sinkEnds, Set<Integer> deadLetterEnds)
            throws Exception {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            boolean toSink = r.topic().equals(sink);
            if (EndOfInput.isMarked(r.headers())) {
                (toSink ? sinkEnds : deadLetterEnds).add(EndOfInput.task(r.value()));
            } else {
                (toSink ? windows : deadLetters).add(Json.parseObject(r.value()));
            }
        }
    }

    /** A job's topics as these ITs use them: the source with {@code partitions}, a one-partition sink and dead letter. */
    static void createJobTopics(String bootstrap, String source, int partitions, String sink, String deadLetter)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(source, partitions, (short) 1), new NewTopic(sink, 1, (short) 1),
                    new NewTopic(deadLetter, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Whether the group has committed the end of every partition of the topic that has records. */
    static boolean caughtUp(Admin admin, String group, String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0 || (committed.get(e.getKey()) != null
                && committed.get(e.getKey()).offset() >= e.getValue().offset()));
    }

    /** The body of a GET on the management port, or "" while the process does not answer. */
    static String get(HttpClient http, int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

package dev.weir.runtime.kafka;

import dev.weir.checkpoint.LocalFiles;
import dev.weir.api.ConsumerGroups;
import static org.awaitility.Awaitility.await;

import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.pipeline.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Runs one job's topology on the test broker with topics of its own: {@code ${SOURCE}},
 * {@code ${SINK}} and {@code ${DLQ}} in the job YAML are replaced by fresh topic names.
 */
final class JobHarness implements AutoCloseable {
    final String bootstrap;
    final String source;
    final String sink;
    final String deadLetter;
    final int partitions;
    final StreamJob job;
    private final Duration idleTimeout;
    private final Path stateDir;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Map<String, Object>> sinkRecords = new ArrayList<>();
    private final List<Map<String, Object>> deadLetters = new ArrayList<>();
    private int sinkEnds;
    private int deadLetterEnds;
    private KafkaStreams streams;

    JobHarness(String bootstrap, String yaml, int partitions, Duration idleTimeout) throws Exception {
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.idleTimeout = idleTimeout;
        String id = UUID.randomUUID().toString().substring(0, 8);
        source = "src-" + id;
        sink = "sink-" + id;
        deadLetter = "dlq-" + id;
        job = JobFiles.readString(yaml.replace("${SOURCE}", source).replace("${SINK}", sink)
                .replace("${DLQ}", deadLetter).replace("${NAME}", "job-" + id)
                .replace("${BOOTSTRAP}", bootstrap), "test job");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(source, partitions, (short) 1), new NewTopic(sink, 1, (short) 1),
                    new NewTopic(deadLetter, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        stateDir = Files.createTempDirectory("weir-it-state");
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + id), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(sink, deadLetter));
    }

    JobHarness start() {
        Properties props = new Properties();
        props.putAll(StreamsSettings.of(job));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, ConsumerGroups.of(job));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // a closing member does not leave the group (Kafka Streams' classic protocol, whatever the close options):
        // the broker's smallest session timeout lets a restart in the same test rebalance within seconds
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000");
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        streams = new KafkaStreams(StreamsTopology.build(compiled, JobTopics.of(job.getSpec()), partitions,
                new JobMetrics(new SimpleMeterRegistry()), Duration.ofMillis(200), idleTimeout), props);
        streams.start();
        return this;
    }

    /** Waits until the job runs: its tasks assigned after a (re)start. */
    JobHarness awaitRunning(Duration timeout) {
        await().atMost(timeout).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return this;
    }

    /** Stops the job as a pod stops: its tasks commit and let go of the state directory for the next start. */
    void stop() {
        long started = System.nanoTime();
        boolean closed = streams.close(Duration.ofSeconds(60));
        if (!closed) {
            throw new IllegalStateException("Kafka Streams did not close within 60 s (state " + streams.state() + ")");
        }
        System.out.printf("job stopped in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        streams = null;
    }

    void send(int partition, String... lines) {
        for (String line : lines) {
            producer.send(new ProducerRecord<>(source, partition, null, line.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    void send(int partition, List<String> lines) {
        send(partition, lines.toArray(String[]::new));
    }

    /** Sends values as they are, bytes that are not text included, each one acknowledged before the next. */
    void sendBytes(int partition, byte[]... values) throws Exception {
        for (byte[] value : values) {
            sendKeyed(partition, null, value);
        }
    }

    /** Sends one record with a Kafka key of its own, and waits for it to be acknowledged. */
    void sendKeyed(int partition, byte[] key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(source, partition, key, value)).get(30, TimeUnit.SECONDS);
    }

    /** Ends the input of every source partition: all windows close. */
    void endInput() {
        endInput(java.util.stream.IntStream.range(0, partitions).toArray());
    }

    /** Ends the input of these source partitions only. */
    void endInput(int... ended) {
        for (int p : ended) {
            producer.send(new ProducerRecord<>(source, p, null, null, new byte[0], EndOfInput.headers()));
        }
        producer.flush();
    }

    /** Reads the sink and dead letter until every task has written its end-of-input marker to both. */
    JobHarness awaitEnd(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ZERO).until(() -> {
            poll();
            return sinkEnds >= partitions && deadLetterEnds >= partitions;
        });
        return this;
    }

    /** Reads until the sink holds at least {@code n} records. */
    List<Map<String, Object>> awaitSinkRecords(int n, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ZERO).until(() -> {
            poll();
            return sinkRecords.size() >= n;
        });
        return sinkRecords;
    }

    /** Reads the sink and dead letter for {@code duration}, and returns what the sink holds. */
    List<Map<String, Object>> awaitSinkRecordsFor(Duration duration) throws Exception {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            poll();
        }
        return sinkRecords;
    }

    private void poll() throws Exception {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            boolean toSink = r.topic().equals(sink);
            if (EndOfInput.isMarked(r.headers())) {
                if (toSink) {
                    sinkEnds++;
                } else {
                    deadLetterEnds++;
                }
                continue;
            }
            (toSink ? sinkRecords : deadLetters).add(Json.parseObject(r.value()));
        }
    }

    List<Map<String, Object>> sinkRecords() {
        return sinkRecords;
    }

    List<Map<String, Object>> deadLetters() {
        return deadLetters;
    }

    List<Map<String, Object>> deadLetters(String reason) {
        return deadLetters.stream().filter(d -> reason.equals(d.get("reason"))).toList();
    }

    @Override
    public void close() throws Exception {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
        }
        producer.close();
        consumer.close();
        LocalFiles.deleteTree(stateDir);
    }
}

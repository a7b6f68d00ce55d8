package dev.weir.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.MalformedRecordException;
import dev.weir.runtime.pipeline.TraceParent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The suite's side of Kafka, on whatever broker the cluster's jobs use, reached at the address the test JVM sees. */
final class KafkaTopics {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;

    KafkaTopics(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    void create(String topic, int partitions) throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all()
                    .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Writes the values in order to partition 0 and returns once all are acknowledged. */
    void produce(String topic, List<String> values) throws InterruptedException, ExecutionException {
        produce(topic, 1, values);
    }

    /** Writes value {@code i} to partition {@code i % partitions}, in order, and returns once all are acknowledged. */
    void produce(String topic, int partitions, List<String> values) throws InterruptedException, ExecutionException {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            records.add(new ProducerRecord<>(topic, i % partitions, null, values.get(i)));
        }
        send(records);
    }

    /** Writes the runtime's end-of-input marker to every partition: the job flushes its open windows. */
    void endOfInput(String topic, int partitions) throws InterruptedException, ExecutionException {
        List<ProducerRecord<String, String>> markers = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            markers.add(new ProducerRecord<>(topic, p, null, null, "", EndOfInput.headers()));
        }
        send(markers);
    }

    private void send(List<ProducerRecord<String, String>> records) throws InterruptedException, ExecutionException {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            // all in flight at once, in order per partition (idempotent producer): a burst, not one round trip each
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (ProducerRecord<String, String> record : records) {
                sent.add(producer.send(record));
            }
            for (Future<RecordMetadata> ack : sent) {
                ack.get();
            }
        }
    }

    /** Every committed record of partition 0 of {@code topic} as a JSON object, read until none comes for a while. */
    List<Map<String, Object>> readAll(String topic, Duration quiet) {
        return read(topic, quiet).records();
    }

    /**
     * Every committed record of partition 0 of {@code topic}, read until none comes for a while: the data records as
     * JSON objects with their {@code traceparent} headers (null where none), and how many end-of-input markers came
     * with them.
     */
    Contents read(String topic, Duration quiet) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<Map<String, Object>> records = new ArrayList<>();
            List<String> traceparents = new ArrayList<>();
            int markers = 0;
            long quietUntil = System.nanoTime() + quiet.toNanos();
            while (System.nanoTime() < quietUntil) {
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    if (EndOfInput.isMarked(record.headers())) {
                        markers++;
                    } else {
                        records.add(parse(topic, record));
                        Header traceparent = record.headers().lastHeader(TraceParent.HEADER);
                        traceparents.add(traceparent == null ? null
                                : new String(traceparent.value(), StandardCharsets.UTF_8));
                    }
                    quietUntil = System.nanoTime() + quiet.toNanos();
                }
            }
            return new Contents(records, traceparents, markers);
        }
    }

    /** What {@link #read} found in a topic. */
    record Contents(List<Map<String, Object>> records, List<String> traceparents, int endOfInputMarkers) {
    }

    private static Map<String, Object> parse(String topic, ConsumerRecord<String, String> record) {
        try {
            return Json.parseObject(record.value());
        } catch (MalformedRecordException e) {
            throw new IllegalStateException(topic + " offset " + record.offset() + " is not a JSON object: "
                    + record.value(), e);
        }
    }
}

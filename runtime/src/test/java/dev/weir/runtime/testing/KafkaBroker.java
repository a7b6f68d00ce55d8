package dev.weir.runtime.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import dev.weir.runtime.local.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A Kafka broker for {@code *IT} tests: one {@link EmbeddedKafka} per test JVM, started on first use
 * and closed when the test run ends (JUnit closes it with the root context's store). Tests share
 * it, so each uses topics of its own.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaBroker kafka = new KafkaBroker();
 * }</pre>
 * or {@code @ExtendWith(KafkaBroker.class)} and a {@code KafkaBroker} test or lifecycle method parameter.
 */
public final class KafkaBroker implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBroker.class);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private volatile EmbeddedKafka broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = shared(context);
    }

    /** Covers registration on an instance field, which JUnit does after the before-all callbacks. */
    @Override
    public void beforeEach(ExtensionContext context) {
        broker = shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public KafkaBroker resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        broker = shared(extensionContext);
        return this;
    }

    private static EmbeddedKafka shared(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(EmbeddedKafka.class, key -> EmbeddedKafka.start(), EmbeddedKafka.class);
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** Creates a topic with replication factor 1, or does nothing if it exists with that many partitions. */
    public void createTopic(String name, int partitions) {
        broker().createTopic(name, partitions);
    }

    /** Writes the values, without keys, to partitions the producer picks; returns once all are acknowledged. */
    public void produce(String topic, List<String> values) {
        send(values.stream().map(value -> new ProducerRecord<String, String>(topic, value)).toList());
    }

    /** Writes the values, without keys, to one partition, all with the given timestamp (epoch millis). */
    public void produce(String topic, int partition, long timestamp, List<String> values) {
        send(values.stream().map(value -> new ProducerRecord<String, String>(topic, partition, timestamp, null, value)).toList());
    }

    private void send(List<ProducerRecord<String, String>> records) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> acknowledgements = records.stream().map(producer::send).toList();
            producer.flush();
            for (Future<RecordMetadata> acknowledgement : acknowledgements) {
                acknowledgement.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("producing to " + records.get(0).topic() + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while producing", e);
        }
    }

    /** {@link #readCommitted(String, int, Duration)} with {@link #DEFAULT_READ_TIMEOUT}. */
    public List<ConsumerRecord<String, String>> readCommitted(String topic, int count) {
        return readCommitted(topic, count, DEFAULT_READ_TIMEOUT);
    }

    /**
     * Reads a topic from the beginning of every partition as a {@code read_committed} consumer,
     * outside any consumer group, until at least {@code count} records have arrived or the timeout
     * has passed, and returns what it read: in order within a partition, interleaved across them.
     * Fewer than {@code count} records means the timeout passed; more means the last poll brought them.
     *
     * @throws IllegalStateException if the topic does not exist
     */
    public List<ConsumerRecord<String, String>> readCommitted(String topic, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            consumer.assign(partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList());
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            while (records.size() < count) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                consumer.poll(Duration.ofNanos(Math.min(remaining, POLL_INTERVAL.toNanos()))).forEach(records::add);
            }
            return records;
        }
    }

    private EmbeddedKafka broker() {
        EmbeddedKafka started = broker;
        if (started == null) {
            throw new IllegalStateException("KafkaBroker is used before JUnit started it: register it with "
                    + "@RegisterExtension, or with @ExtendWith and take it as a parameter");
        }
        return started;
    }
}

package dev.weir.runtime.local;

import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.mapping;
import static java.util.stream.Collectors.toList;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.IntStream;

import dev.weir.runtime.testing.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

    @RegisterExtension
    static final KafkaBroker kafka = new KafkaBroker();

    private static final int PARTITIONS = 4;

    @Test
    void readCommittedConsumersSeeCommittedTransactionsOnly() {
        String topic = "embedded-kafka-it-transactions";
        kafka.createTopic(topic, PARTITIONS);

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-it"), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            writeTransaction(producer, topic, "first");
            producer.commitTransaction();
            writeTransaction(producer, topic, "aborted");
            producer.abortTransaction();
            writeTransaction(producer, topic, "second");
            producer.commitTransaction();
        }

        Map<Integer, List<String>> committed = byPartition(kafka.readCommitted(topic, 2 * PARTITIONS));
        Map<Integer, List<String>> expected = new TreeMap<>();
        IntStream.range(0, PARTITIONS).forEach(p -> expected.put(p, List.of("first-" + p, "second-" + p)));
        assertEquals(expected, committed, "committed records, by partition, in order");

        List<String> everything = readUncommitted(topic, 3 * PARTITIONS);
        assertTrue(everything.containsAll(List.of("aborted-0", "aborted-1", "aborted-2", "aborted-3")),
                "the aborted records are in the log, only hidden from read_committed: " + everything);
    }

    /** Opens a transaction writing "{prefix}-{partition}" to every partition, and leaves it open. */
    private static void writeTransaction(KafkaProducer<String, String> producer, String topic, String prefix) {
        producer.beginTransaction();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            producer.send(new ProducerRecord<>(topic, partition, null, prefix + "-" + partition));
        }
        producer.flush();
    }

    private static List<String> readUncommitted(String topic, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record -> values.add(record.value()));
                return values.size() >= count;
            });
            return values;
        }
    }

    @Test
    void kafkaStreamsRunsExactlyOnceV2(@TempDir Path stateDirectory) {
        String input = "embedded-kafka-it-streams-in";
        String output = "embedded-kafka-it-streams-out";
        kafka.createTopic(input, PARTITIONS);
        kafka.createTopic(output, PARTITIONS);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .mapValues(value -> value.toUpperCase(Locale.ROOT))
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "embedded-kafka-it-streams");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDirectory.toString());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);

        try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
            streams.start();
            kafka.produce(input, List.of("a", "b", "c", "d", "e", "f"));

            List<String> transformed = kafka.readCommitted(output, 6).stream().map(ConsumerRecord::value).sorted().toList();
            assertEquals(List.of("A", "B", "C", "D", "E", "F"), transformed);
        }
    }

    @Test
    void producesToAGivenPartitionWithAGivenTimestamp() {
        String topic = "embedded-kafka-it-timestamps";
        kafka.createTopic(topic, PARTITIONS);
        long timestamp = 1_700_000_000_000L;

        kafka.produce(topic, 2, timestamp, List.of("a", "b", "c"));

        List<ConsumerRecord<String, String>> records = kafka.readCommitted(topic, 3);
        assertEquals(List.of("a", "b", "c"), records.stream().map(ConsumerRecord::value).toList());
        assertTrue(records.stream().allMatch(r -> r.partition() == 2 && r.timestamp() == timestamp), records::toString);
    }

    @Test
    void createTopicKeepsAnExistingTopicOfThatSizeAndRefusesAnotherSize() {
        String topic = "embedded-kafka-it-existing";
        kafka.createTopic(topic, PARTITIONS);
        kafka.produce(topic, List.of("kept"));

        kafka.createTopic(topic, PARTITIONS);

        assertEquals(List.of("kept"), kafka.readCommitted(topic, 1).stream().map(ConsumerRecord::value).toList());
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> kafka.createTopic(topic, 2));
        assertTrue(refused.getMessage().contains("exists with 4 partitions"), refused.getMessage());
    }

    @Test
    void restartKeepsTheAddressTopicsAndRecords() {
        try (EmbeddedKafka broker = EmbeddedKafka.start()) {
            String address = broker.bootstrapServers();
            broker.createTopic("restarted", 1);
            Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, address,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>("restarted", 0, null, "before")).get();

                broker.restart(Duration.ofSeconds(1));

                assertEquals(address, broker.bootstrapServers());
                // the same producer reconnects to the same address
                producer.send(new ProducerRecord<>("restarted", 0, null, "after")).get();
            } catch (Exception e) {
                throw new AssertionError("producing around the restart failed", e);
            }
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, address), new StringDeserializer(), new StringDeserializer())) {
                TopicPartition partition = new TopicPartition("restarted", 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                List<String> values = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                    return values.size() >= 2;
                });
                assertEquals(List.of("before", "after"), values);
            }
        }
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsData() throws IOException {
        EmbeddedKafka broker = EmbeddedKafka.start();
        Path directory = broker.directory();
        String[] hostAndPort = broker.bootstrapServers().split(":");
        broker.createTopic("closing", 1);
        assertTrue(Files.isDirectory(directory.resolve("data").resolve("closing-0")));

        broker.close();
        broker.close();

        assertFalse(Files.exists(directory), directory + " is deleted");
        assertThrows(ConnectException.class, () -> new Socket(hostAndPort[0], Integer.parseInt(hostAndPort[1])).close());
    }

    @Test
    void startRefusesManagedSettingsAndExplainsInvalidOnes() {
        IllegalArgumentException managed = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafka.start(Map.of("listeners", "PLAINTEXT://0.0.0.0:9092")));
        assertTrue(managed.getMessage().contains("[listeners]"), managed.getMessage());

        IllegalStateException invalid = assertThrows(IllegalStateException.class,
                () -> EmbeddedKafka.start(Map.of("num.io.threads", "many")));
        assertTrue(invalid.getMessage().startsWith("Embedded Kafka broker did not start")
                && invalid.getMessage().contains("num.io.threads"), invalid.getMessage());
    }

    private static Map<Integer, List<String>> byPartition(List<ConsumerRecord<String, String>> records) {
        return records.stream().collect(groupingBy(ConsumerRecord::partition, TreeMap::new, mapping(ConsumerRecord::value, toList())));
    }
}

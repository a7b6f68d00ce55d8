package dev.weir.runtime.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Reads a keyed record's payload back from the source topic, for the rare dead letter of a record whose payload did
 * not ride along through the keyed topic ({@link SourceProcessor}). A consumer of its own, made as Kafka Streams
 * makes its restore consumer (no group, no commits, {@code read_committed} under exactly-once), opened at the first
 * read; the records of its last fetch are kept, since late records come in runs.
 */
final class SourcePayloads implements AutoCloseable {
    /** Long enough for a broker that is slow, short of Kafka Streams' max.poll.interval.ms (5 minutes). */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> appConfigs;
    private final String clientId;
    private KafkaConsumer<byte[], byte[]> consumer;
    private TopicPartition fetched;
    private List<ConsumerRecord<byte[], byte[]>> lastFetch = List.of();

    /** What was read: the payload, or why it could not be. */
    record Read(byte[] payload, String failure) {}

    SourcePayloads(Map<String, Object> appConfigs, String clientId) {
        this.appConfigs = appConfigs;
        this.clientId = clientId;
    }

    Read read(String topic, int partition, long offset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        Optional<byte[]> kept = fromLastFetch(tp, offset);
        if (kept.isPresent()) {
            return new Read(kept.get(), null);
        }
        try {
            KafkaConsumer<byte[], byte[]> c = consumer();
            c.assign(List.of(tp));
            c.seek(tp, offset);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
                List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
                if (batch.isEmpty()) {
                    continue;
                }
                fetched = tp;
                lastFetch = batch;
                return fromLastFetch(tp, offset).map(payload -> new Read(payload, null))
                        .orElseGet(() -> new Read(null, "offset " + offset + " is no longer in " + tp
                                + " (the first record there now is at " + batch.get(0).offset() + ")"));
            }
            return new Read(null, "reading " + tp + " at offset " + offset + " took more than " + READ_TIMEOUT);
        } catch (KafkaException e) {
            return new Read(null, "reading " + tp + " at offset " + offset + " failed: " + e.getMessage());
        }
    }

    private Optional<byte[]> fromLastFetch(TopicPartition tp, long offset) {
        if (!tp.equals(fetched)) {
            return Optional.empty();
        }
        for (ConsumerRecord<byte[], byte[]> r : lastFetch) {
            if (r.offset() == offset) {
                return Optional.of(r.value());
            }
        }
        return Optional.empty();
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            Map<String, Object> config = new StreamsConfig(appConfigs).getRestoreConsumerConfigs(clientId);
            consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
            consumer = null;
        }
    }
}

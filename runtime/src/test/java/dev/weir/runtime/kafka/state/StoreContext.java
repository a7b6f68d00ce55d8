package dev.weir.runtime.kafka.state;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;

/**
 * What Kafka Streams gives a store, played by a test: its application, task and folder, and the record being
 * processed; keeps the store's restore callback, so that the test can restore changelog batches into it.
 */
final class StoreContext implements StateStoreContext {
    private final String application;
    private final TaskId task;
    private final Map<String, Object> configs;
    final Path dir;
    private Optional<RecordMetadata> metadata = Optional.empty();
    private StateRestoreCallback callback;

    StoreContext(String application, TaskId task, Path dir) {
        this(application, task, dir, Map.of());
    }

    /** @param configs the application's configuration, as Kafka Streams gives it to stores */
    StoreContext(String application, TaskId task, Path dir, Map<String, Object> configs) {
        this.application = application;
        this.task = task;
        this.dir = dir;
        this.configs = Map.copyOf(configs);
    }

    /** Kafka Streams' restore of a changelog batch (read-committed records, with their offsets). */
    void restore(List<ConsumerRecord<byte[], byte[]>> records) {
        ((RecordBatchingStateRestoreCallback) callback).restoreBatch(records);
    }

    /** A write from processing the input record at {@code offset}, through the store as the stream thread does. */
    void process(StateStore store, TopicPartition input, long offset, String key, String value) {
        metadata = Optional.of(new Metadata(input, offset));
        try {
            ((CheckpointedRocksStore) store).put(Bytes.wrap(key.getBytes(StandardCharsets.UTF_8)),
                    value.getBytes(StandardCharsets.UTF_8));
        } finally {
            metadata = Optional.empty();
        }
    }

    @Override
    public String applicationId() {
        return application;
    }

    @Override
    public TaskId taskId() {
        return task;
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return metadata;
    }

    @Override
    public Serde<?> keySerde() {
        return null;
    }

    @Override
    public Serde<?> valueSerde() {
        return null;
    }

    @Override
    public File stateDir() {
        return dir.toFile();
    }

    @Override
    public StreamsMetrics metrics() {
        return null;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback stateRestoreCallback) {
        callback = stateRestoreCallback;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback stateRestoreCallback, CommitCallback checkpoint) {
        callback = stateRestoreCallback;
    }

    @Override
    public Map<String, Object> appConfigs() {
        return configs;
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        return Map.of();
    }

    private record Metadata(TopicPartition tp, long offset) implements RecordMetadata {
        @Override
        public String topic() {
            return tp.topic();
        }

        @Override
        public int partition() {
            return tp.partition();
        }
    }
}

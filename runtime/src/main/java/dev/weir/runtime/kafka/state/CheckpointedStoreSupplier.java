package dev.weir.runtime.kafka.state;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/** Supplies {@link CheckpointedRocksStore}s; Kafka Streams wraps each with its cache and change-logging layers. */
public final class CheckpointedStoreSupplier implements KeyValueBytesStoreSupplier {
    private final String name;
    private final StateCheckpointer checkpointer;

    CheckpointedStoreSupplier(String name, StateCheckpointer checkpointer) {
        this.name = name;
        this.checkpointer = checkpointer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return new CheckpointedRocksStore(name, checkpointer);
    }

    @Override
    public String metricsScope() {
        return "weir-rocksdb";
    }
}

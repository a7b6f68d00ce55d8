package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.OrderedStore;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** The window operator's state in a Kafka Streams key-value store (RocksDB with a changelog). */
final class KafkaOrderedStore implements OrderedStore {
    private final KeyValueStore<Bytes, byte[]> store;

    KafkaOrderedStore(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    @Override
    public byte[] get(byte[] key) {
        return store.get(Bytes.wrap(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        store.put(Bytes.wrap(key), value);
    }

    @Override
    public void delete(byte[] key) {
        store.delete(Bytes.wrap(key));
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
        try (KeyValueIterator<Bytes, byte[]> it = store.range(Bytes.wrap(from), Bytes.wrap(to))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (Arrays.equals(entry.key.get(), to) || !visitor.visit(entry.key.get(), entry.value)) {
                    return;
                }
            }
        }
    }
}

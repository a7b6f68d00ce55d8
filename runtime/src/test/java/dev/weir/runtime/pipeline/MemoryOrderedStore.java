package dev.weir.runtime.pipeline;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** An in-memory {@link OrderedStore} for unit tests, in the same unsigned byte order as RocksDB. */
final class MemoryOrderedStore implements OrderedStore {
    private final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        map.put(key, value);
    }

    @Override
    public void delete(byte[] key) {
        map.remove(key);
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
        for (Map.Entry<byte[], byte[]> e : map.subMap(from, true, to, false).entrySet()) {
            if (!visitor.visit(e.getKey(), e.getValue())) {
                return;
            }
        }
    }

    int size() {
        return map.size();
    }
}

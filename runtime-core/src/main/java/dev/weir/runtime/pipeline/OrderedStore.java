package dev.weir.runtime.pipeline;

/**
 * The state an engine gives the window operator: byte keys in unsigned lexicographic order
 * (RocksDB's default and Kafka Streams' {@code Bytes} order).
 */
public interface OrderedStore {
    byte[] get(byte[] key);

    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /** Visits entries with {@code from ≤ key < to} in key order until the visitor returns false. */
    void scan(byte[] from, byte[] to, Visitor visitor);

    @FunctionalInterface
    interface Visitor {
        boolean visit(byte[] key, byte[] value);
    }
}

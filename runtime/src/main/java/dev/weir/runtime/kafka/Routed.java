package dev.weir.runtime.kafka;

import org.apache.kafka.common.utils.Utils;

/**
 * A processor's output and where it goes. Control records go to every partition of their topic; a record with a
 * {@code partition} (0 or more) to that one; the rest by key.
 */
record Routed(Route route, byte[] value, boolean control, int partition) {
    enum Route { SINK, DEAD_LETTER, KEYED }

    static final int BY_KEY = -1;

    Routed(Route route, byte[] value, boolean control) {
        this(route, value, control, BY_KEY);
    }

    static Routed sink(byte[] value) {
        return new Routed(Route.SINK, value, false);
    }

    static Routed deadLetter(byte[] value) {
        return new Routed(Route.DEAD_LETTER, value, false);
    }

    static Routed keyed(byte[] value, boolean broadcast) {
        return new Routed(Route.KEYED, value, broadcast);
    }

    /** A keyed-topic record for one partition: records of several keys that all belong there. */
    static Routed keyedTo(byte[] value, int partition) {
        return new Routed(Route.KEYED, value, false, partition);
    }

    /**
     * The partition of {@code partitions} a keyed record with this key goes to. Kafka's producer puts a keyed
     * record there when no partitioner says otherwise (murmur2 of the key bytes), so records of a key keep their
     * window task across versions that routed keyed records by key alone.
     */
    static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}

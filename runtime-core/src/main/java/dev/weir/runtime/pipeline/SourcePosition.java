package dev.weir.runtime.pipeline;

/**
 * Where a source record was read, in the terms of the system it was read from: what the record path tells its
 * listener (metrics, tracing) without knowing the engine. The split is a Kafka partition or a Kinesis shard.
 */
public sealed interface SourcePosition {
    /** The split's id: the partition number, or the shard id. */
    String split();

    /** A Kafka record: its partition and offset. */
    record Offset(int partition, long offset) implements SourcePosition {
        @Override
        public String split() {
            return Integer.toString(partition);
        }
    }

    /**
     * A Kinesis record: its shard and sequence number ({@code SEQUENCE/N} for the N-th record of an aggregated one).
     */
    record Sequence(String shard, String sequenceNumber) implements SourcePosition {
        @Override
        public String split() {
            return shard;
        }
    }
}

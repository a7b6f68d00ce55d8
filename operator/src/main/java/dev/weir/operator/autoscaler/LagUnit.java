package dev.weir.operator.autoscaler;

/**
 * What a {@link Load}'s lag and rates count. The autoscaler's arithmetic (demand = input + lag / maxLagSeconds, pods =
 * demand / what one pod does) holds in either unit, as long as lag, rates and a pod's capacity share it.
 */
public enum LagUnit {
    /** Kafka: records, summed over partitions (offsets are dense, so end − committed counts records). */
    RECORDS,
    /**
     * Kinesis: milliseconds of a shard's stream (sequence numbers are not dense, so records cannot be counted from
     * positions). Each shard with input brings 1000 per second; the lag is the furthest shard's lag times the shards
     * with input; a pod's capacity is how many shard-milliseconds of stream it processes per second. The autoscaler's
     * start value of 1000 per pod ({@link Tuning#DEFAULT_INITIAL_RECORDS_PER_SECOND_PER_REPLICA}) thus reads as one
     * shard per pod until a backlog measures it.
     */
    SHARD_MILLISECONDS
}

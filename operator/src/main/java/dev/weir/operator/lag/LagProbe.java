package dev.weir.operator.lag;

import dev.weir.api.StreamJob;

/**
 * Reads a job's source positions from the brokers (not from its pods, so it works while none run). One per source
 * kind: {@link KafkaLagProbe}, {@link KinesisLagProbe}; {@link LagProbes} puts them behind one.
 */
public interface LagProbe extends AutoCloseable {
    /** Whether this probe reads {@code job}'s source kind. */
    boolean reads(StreamJob job);

    /** The job's offsets now; throws LagProbeException naming the source when the brokers do not answer. */
    LagReading read(StreamJob job);

    /** The job is deleted: drop what the probe keeps of it between polls, so a new job of that name starts afresh. */
    void forget(StreamJob job);

    @Override
    void close();
}

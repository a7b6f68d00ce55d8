package dev.weir.operator.lag;

import dev.weir.operator.autoscaler.LagUnit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A job's source positions at one moment, summed over its partitions (or shards).
 *
 * @param time       when the source answered
 * @param partitions the source's partitions (Kinesis: its open shards)
 * @param lag        work not yet processed, in {@code unit}: Kafka Σ end offset − consumed position; Kinesis the
 *                   furthest shard's lag × the shards with input
 * @param end        work arrived so far, in {@code unit}: grows with every record written (Kafka Σ end offsets)
 * @param consumed   work processed so far, in {@code unit}: grows with every record processed (Kafka Σ committed
 *                   offsets; for partitions never committed, where the job's startingOffsets would begin)
 * @param unit       what lag, end and consumed count
 * @param behind     how far behind in time the furthest partition or shard is, when the source tells (Kinesis)
 */
public record LagReading(Instant time, int partitions, long lag, long end, long consumed, LagUnit unit,
                         Optional<Duration> behind) {

    /** A Kafka reading, in records. */
    public LagReading(Instant time, int partitions, long lag, long end, long consumed) {
        this(time, partitions, lag, end, consumed, LagUnit.RECORDS, Optional.empty());
    }
}

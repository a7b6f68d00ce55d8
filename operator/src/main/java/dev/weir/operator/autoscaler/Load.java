package dev.weir.operator.autoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One observation of a job's source, as the lag probe reports it.
 *
 * @param time           when it was observed
 * @param lag            work not yet processed, over all partitions (or shards), in {@code unit}
 * @param inputRate      {@code unit}s per second arriving, smoothed
 * @param processingRate {@code unit}s per second processed by all pods together, smoothed
 * @param recentProcessingRate {@code unit}s per second processed since the previous observation: what busy pods
 *                       showed they can do, unblurred by the smoothing window
 * @param partitions     the source's partitions (Kinesis: its open shards): more pods than these only idle
 * @param unit           what lag and rates count
 * @param behind         how far behind in time the furthest partition or shard is, when the source tells (Kinesis)
 */
public record Load(Instant time, long lag, double inputRate, double processingRate, double recentProcessingRate,
                   int partitions, LagUnit unit, Optional<Duration> behind) {

    /** A Kafka load: lag and rates in records. */
    public Load(Instant time, long lag, double inputRate, double processingRate, double recentProcessingRate,
                int partitions) {
        this(time, lag, inputRate, processingRate, recentProcessingRate, partitions, LagUnit.RECORDS,
                Optional.empty());
    }

    /** Nothing to do: no lag, nothing arriving. */
    public boolean idle() {
        return lag == 0 && inputRate < Autoscaler.NO_RATE;
    }
}

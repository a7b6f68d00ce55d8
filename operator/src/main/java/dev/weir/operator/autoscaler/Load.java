package dev.weir.operator.autoscaler;

import java.time.Instant;

/**
 * One observation of a job's source, as the lag probe reports it.
 *
 * @param time           when it was observed
 * @param lag            records not yet processed, over all partitions
 * @param inputRate      records per second arriving, smoothed
 * @param processingRate records per second processed by all pods together, smoothed
 * @param recentProcessingRate records per second processed since the previous observation: what busy pods showed
 *                       they can do, unblurred by the smoothing window
 * @param partitions     the source's partitions: more pods than these only idle
 */
public record Load(Instant time, long lag, double inputRate, double processingRate, double recentProcessingRate,
                   int partitions) {
    /** Nothing to do: no lag, nothing arriving. */
    public boolean idle() {
        return lag == 0 && inputRate < Autoscaler.NO_RATE;
    }
}

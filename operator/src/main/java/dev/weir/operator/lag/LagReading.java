package dev.weir.operator.lag;

import java.time.Instant;

/**
 * A job's source offsets at one moment, summed over its partitions.
 *
 * @param time       when the broker answered
 * @param partitions the source's partitions (or shards)
 * @param lag        records not yet processed: Σ end offset − consumed position
 * @param end        Σ end offsets: grows with every record written
 * @param consumed   Σ consumed positions (committed offsets; for partitions never committed, where the job's
 *                   startingOffsets would begin): grows with every record processed
 */
public record LagReading(Instant time, int partitions, long lag, long end, long consumed) {
}

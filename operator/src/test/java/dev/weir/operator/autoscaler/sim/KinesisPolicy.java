package dev.weir.operator.autoscaler.sim;

import java.util.List;

/** Sizes the simulated Kinesis job; called every simulated second with what a probe could see of the shards. */
interface KinesisPolicy {
    String name();

    /**
     * @param second  simulated time (of the profile; negative during the warm-up)
     * @param shards  the stream as seen now
     * @param current pods asked for now
     * @return pods to ask for
     */
    int replicas(long second, Shards shards, int current);

    /**
     * @param open the shards taking new records
     * @param read every shard the job still reads: open ones and closed parents not read to their end
     */
    record Shards(int open, List<Seen> read) {
    }

    /**
     * One shard as the lease table and GetRecords show it.
     *
     * @param id         the shard
     * @param lagMillis  the age of the first record after the checkpoint, 0 when none waits
     * @param checkpoint records processed up to the checkpoint
     */
    record Seen(int id, long lagMillis, double checkpoint) {
    }
}

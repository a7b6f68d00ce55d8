package dev.weir.operator.autoscaler.sim;

/**
 * Records per second arriving at a Kinesis stream, spread evenly over its open shards, and when the stream is
 * resharded.
 *
 * @param load    the rate over time (its name, length and load changes)
 * @param shards  open shards at the start
 * @param splitAt the second when every open shard splits in two (the children take the input; the parents are read
 *                to their end first), or −1
 */
record KinesisProfile(LoadProfile load, int shards, long splitAt) {
    private static final long MINUTE = 60;
    private static final long HOUR = 3600;

    /**
     * 4 shards at 2000/s; 3600/s from 30 min (900/s a shard, near a shard's 1000/s write limit); the stream split to
     * 8 shards at 60 min, 7000/s from then on.
     */
    static KinesisProfile stepAndSplit() {
        return new KinesisProfile(new LoadProfile("kinesis-step-split", 2 * HOUR,
                t -> t < 30 * MINUTE ? 2000 : t < 60 * MINUTE ? 3600 : 7000, 2), 4, 60 * MINUTE);
    }

    /** 4 shards: nothing for 30 min, 3000/s for 30 min with a split to 8 shards at 45 min, nothing until 2 h. */
    static KinesisProfile idleBurstSplitIdle() {
        return new KinesisProfile(new LoadProfile("kinesis-idle-burst-split-idle", 2 * HOUR,
                t -> t >= 30 * MINUTE && t < 60 * MINUTE ? 3000 : 0, 2), 4, 45 * MINUTE);
    }

    /** Open shards at a second of the profile. */
    int openShards(long second) {
        return splitAt >= 0 && second >= splitAt ? 2 * shards : shards;
    }

    String name() {
        return load.name();
    }
}

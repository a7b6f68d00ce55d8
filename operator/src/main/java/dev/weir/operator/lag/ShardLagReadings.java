package dev.weir.operator.lag;

import dev.weir.operator.autoscaler.LagUnit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Turns what is seen of a sharded source's shards at each poll into {@link LagReading}s in
 * {@link LagUnit#SHARD_MILLISECONDS}, for one job: the lag is the furthest shard's lag × the shards with input; each
 * shard with input brings 1000 a second, accumulated between polls into the work arrived; the work processed is what
 * arrived minus the lag. The Kinesis probe and the simulator's Kinesis profile share it.
 */
public final class ShardLagReadings {
    /** Work one shard with input brings per second. */
    public static final long SHARD_MILLIS_PER_SECOND = 1000;

    private Instant lastTime;
    private long arrived;

    /**
     * @param time            when the shards were seen
     * @param openShards      the shards that take new records: the pod bound
     * @param shardsWithInput the shards read whose records arrive: a record waits after the checkpoint, or the
     *                        checkpoint moved since the last poll
     * @param furthestMillis  how far behind the furthest shard is
     */
    public LagReading reading(Instant time, int openShards, int shardsWithInput, long furthestMillis) {
        if (lastTime != null) {
            long elapsedMillis = Math.max(0, Duration.between(lastTime, time).toMillis());
            arrived += shardsWithInput * elapsedMillis * SHARD_MILLIS_PER_SECOND / 1000;
        }
        lastTime = time;
        long lag = shardsWithInput * furthestMillis;
        return new LagReading(time, openShards, lag, arrived, arrived - lag, LagUnit.SHARD_MILLISECONDS,
                Optional.of(Duration.ofMillis(furthestMillis)));
    }
}

package dev.weir.operator.autoscaler;

import java.util.Optional;

/** The pod counts a job may have: at least {@code floor}, at most maxReplicas and its partition (or open shard) count. */
record Bounds(ScalingPolicy policy, int partitions, int floor, LagUnit unit) {

    int upper() {
        return Math.min(policy.maxReplicas(), Math.max(partitions, 1));
    }

    int apply(int needed) {
        return Math.max(floor, Math.min(needed, upper()));
    }

    /** Which bound, if any, holds {@code needed} back. */
    Optional<Reason> reason(int needed) {
        if (needed > upper()) {
            return Optional.of(partitions < policy.maxReplicas() ? Reason.CappedByPartitions
                    : Reason.CappedByMaxReplicas);
        }
        if (needed < floor && floor == policy.minReplicas()) {
            return Optional.of(Reason.AtMinReplicas);
        }
        return Optional.empty();
    }

    String explain(int needed) {
        return reason(needed).map(reason -> switch (reason) {
            case CappedByPartitions -> "; " + needed + " pods would catch up within " + policy.maxLagSeconds()
                    + "s but the source has " + partitions + (unit == LagUnit.SHARD_MILLISECONDS ? " open shards" : " partitions");
            case CappedByMaxReplicas -> "; " + needed + " pods would catch up within " + policy.maxLagSeconds()
                    + "s but scaling.maxReplicas is " + policy.maxReplicas();
            case AtMinReplicas -> "; scaling.minReplicas is " + policy.minReplicas();
            default -> "";
        }).orElse("");
    }
}

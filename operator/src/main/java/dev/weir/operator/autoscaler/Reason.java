package dev.weir.operator.autoscaler;

/** Why the autoscaler decided what it did; CamelCase in status and events. */
public enum Reason {
    /** Lag or input needs more pods than run: scaled up at once. */
    LagAboveTarget,
    /** Fewer pods would do, but a backlog is still draining: kept. */
    BacklogDraining,
    /** Fewer pods would do; waiting for the scale-down window to pass. */
    ScaleDownPending,
    /** Fewer pods did for the whole scale-down window: scaled down to the highest count it recommended. */
    ScaleDown,
    /** No lag and no input for the idle timeout (minReplicas 0): stopped. */
    Idle,
    /** Records arrived while no pod ran: started. */
    WakeUp,
    /** More pods would help but the source has no more partitions for them. */
    CappedByPartitions,
    /** More pods would help but scaling.maxReplicas forbids them. */
    CappedByMaxReplicas,
    /** The load needs fewer pods than scaling.minReplicas. */
    AtMinReplicas,
    /** The pods that run keep the lag within target. */
    Stable
}

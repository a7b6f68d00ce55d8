package dev.weir.operator.autoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Decides a job's pod count from its load, one poll at a time: up at once to catch up within maxLagSeconds, down only
 * after a lower count held for the scale-down window and never while a backlog drains, to zero after the idle
 * timeout, back from zero as soon as records arrive. Pure: time comes with each {@link Load}.
 */
public final class Autoscaler {
    /** Rates below this (records per second) count as none. */
    static final double NO_RATE = 0.01;
    /** Lag above this many seconds of input is a backlog, not records in flight between commits. */
    static final double BACKLOG_SECONDS = 2;

    private final ScalingPolicy policy;
    private final Tuning tuning;
    private final CapacityEstimate capacity;
    private Instant lastChange;
    private boolean backlogBefore;
    private Instant idleSince;
    private Instant lowerSince;
    private int highestLower;
    private int lastShards;

    public Autoscaler(ScalingPolicy policy, Tuning tuning) {
        this.policy = policy;
        this.tuning = tuning;
        this.capacity = new CapacityEstimate(tuning.initialRecordsPerSecondPerReplica());
    }

    /** The decision for {@code load} with {@code current} pods asked for. */
    public Decision decide(Load load, int current) {
        Instant now = load.time();
        if (lastChange == null) {
            // first sight (or an operator restart): the pods may just have started
            lastChange = now;
        }
        followReshard(load);
        boolean backlog = load.lag() > Math.max(load.inputRate(), NO_RATE) * BACKLOG_SECONDS;
        measure(load, current, backlog);
        backlogBefore = backlog;
        idleSince = load.idle() ? (idleSince == null ? now : idleSince) : null;
        boolean idleTimedOut = idleSince != null && !now.isBefore(idleSince.plus(policy.idleTimeout()));

        double demand = load.inputRate() + load.lag() / (double) policy.maxLagSeconds();
        int neededUp = needed(load, demand, tuning.targetUtilization());
        int neededDown = needed(load, demand, tuning.scaleDownUtilization());
        String numbers = numbers(load);
        boolean mayStop = policy.minReplicas() == 0 && (idleTimedOut || current == 0 && load.idle());
        Bounds bounds = new Bounds(policy, load.partitions(), mayStop ? 0 : Math.max(policy.minReplicas(), 1),
                load.unit());
        int up = bounds.apply(neededUp);
        int down = bounds.apply(neededDown);

        if (up > current) {
            resetScaleDown();
            lastChange = now;
            Reason reason = current == 0 ? Reason.WakeUp : bounds.reason(neededUp).orElse(Reason.LagAboveTarget);
            return new Decision(up, up, reason, "Scaling up from " + current + " to " + up + " pods: " + numbers
                    + bounds.explain(neededUp));
        }
        if (down >= current) {
            resetScaleDown();
            return new Decision(current, current, bounds.reason(neededDown).orElse(Reason.Stable), current
                    + " pods keep up: " + numbers + bounds.explain(neededDown));
        }
        if (down == 0 && idleTimedOut) {
            resetScaleDown();
            lastChange = now;
            return new Decision(0, 0, Reason.Idle, "No lag and no input for " + policy.idleTimeout().toSeconds()
                    + "s (idleTimeout): stopping all " + current + " pods; records arriving start them again");
        }
        if (backlog) {
            resetScaleDown();
            return new Decision(current, down, Reason.BacklogDraining, down + " pods would do but a backlog is still"
                    + " draining, keeping " + current + ": " + numbers);
        }
        if (lowerSince == null) {
            lowerSince = now;
        }
        highestLower = Math.max(highestLower, down);
        Duration held = Duration.between(lowerSince, now);
        if (held.compareTo(policy.scaleDownWindow()) < 0) {
            return new Decision(current, down, Reason.ScaleDownPending, down + " pods would do; scaling down once"
                    + " fewer pods have done for " + policy.scaleDownWindow().toSeconds() + "s (held "
                    + held.toSeconds() + "s): " + numbers);
        }
        int to = highestLower;
        resetScaleDown();
        lastChange = now;
        return new Decision(to, down, Reason.ScaleDown, "Scaling down from " + current + " to " + to
                + " pods, the most the last " + policy.scaleDownWindow().toSeconds() + "s called for: " + numbers);
    }

    /**
     * A pod's capacity counts Kinesis shards: when a split or merge changes the open shards, the same records spread
     * over more or fewer of them, so a pod keeps up with proportionally more or fewer shards. Without this, a pod's
     * capacity learned before a split would stay at half of what it is until a backlog measured it again.
     */
    private void followReshard(Load load) {
        if (load.unit() != LagUnit.SHARD_MILLISECONDS) {
            return;
        }
        if (lastShards > 0 && load.partitions() > 0 && load.partitions() != lastShards) {
            capacity.rescale(load.partitions() / (double) lastShards);
        }
        lastShards = load.partitions();
    }

    /**
     * Pods for {@code demand} at {@code utilization} of a pod's capacity. A Kinesis shard is read by one pod, so pods
     * hold whole shards and the busiest holds ⌈shards / pods⌉: size for as many shards per pod as one pod keeps up
     * with, not for the total alone (7 pods on 8 shards leave one pod 2 shards, as 4 pods would).
     */
    private int needed(Load load, double demand, double utilization) {
        double perPod = capacity.perReplica() * utilization;
        int pods = (int) Math.ceil(demand / perPod);
        if (load.unit() != LagUnit.SHARD_MILLISECONDS || pods <= 0 || load.partitions() <= 0) {
            return pods;
        }
        double perShard = demand / load.partitions();
        int shardsPerPod = Math.max(1, (int) Math.floor(perPod / perShard));
        return Math.max(pods, (int) Math.ceil(load.partitions() / (double) shardsPerPod));
    }

    private String numbers(Load load) {
        String how = capacity.measured() ? "measured" : "estimated";
        if (load.unit() == LagUnit.SHARD_MILLISECONDS) {
            return String.format(Locale.ROOT, "the furthest shard %.1f s behind, %.1f shards with input, a pod keeps"
                    + " up with %.2f shards (%s)", load.behind().orElse(Duration.ZERO).toMillis() / 1000.0,
                    load.inputRate() / 1000, capacity.perReplica() / 1000, how);
        }
        return String.format(Locale.ROOT, "lag %d records, input %.1f/s, a pod processes %.1f/s (%s)",
                load.lag(), load.inputRate(), capacity.perReplica(), how);
    }

    /** What one pod processes per second (records, or shard-milliseconds), as the autoscaler currently believes. */
    public double recordsPerSecondPerReplica() {
        return capacity.perReplica();
    }

    /**
     * Learns what a pod can do once the pods have settled: from the last interval when they had a backlog all
     * through it, else only that they do at least what they keep up with.
     */
    private void measure(Load load, int current, boolean backlog) {
        if (load.time().isBefore(lastChange.plus(tuning.settleTime()))) {
            return;
        }
        int working = Math.min(current, load.partitions());
        if (backlog && backlogBefore) {
            capacity.observe(load.recentProcessingRate(), working, true);
        } else {
            capacity.observe(load.processingRate(), working, false);
        }
    }

    private void resetScaleDown() {
        lowerSince = null;
        highestLower = 0;
    }
}

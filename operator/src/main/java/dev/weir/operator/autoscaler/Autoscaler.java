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
    private Instant idleSince;
    private Instant lowerSince;
    private int highestLower;

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
        boolean backlog = load.lag() > Math.max(load.inputRate(), NO_RATE) * BACKLOG_SECONDS;
        if (!now.isBefore(lastChange.plus(tuning.settleTime()))) {
            capacity.observe(load.processingRate(), current, backlog);
        }
        idleSince = load.idle() ? (idleSince == null ? now : idleSince) : null;
        boolean idleTimedOut = idleSince != null && !now.isBefore(idleSince.plus(policy.idleTimeout()));

        double perReplica = capacity.perReplica();
        double demand = load.inputRate() + load.lag() / (double) policy.maxLagSeconds();
        int needed = (int) Math.ceil(demand / (perReplica * tuning.targetUtilization()));
        String numbers = String.format(Locale.ROOT, "lag %d records, input %.1f/s, a pod processes %.1f/s (%s)",
                load.lag(), load.inputRate(), perReplica, capacity.measured() ? "measured" : "estimated");

        int target = needed;
        Reason bound = null;
        int upper = Math.min(policy.maxReplicas(), Math.max(load.partitions(), 1));
        if (target > upper) {
            target = upper;
            bound = load.partitions() < policy.maxReplicas() ? Reason.CappedByPartitions : Reason.CappedByMaxReplicas;
        }
        boolean mayStop = policy.minReplicas() == 0 && (idleTimedOut || current == 0 && load.idle());
        int floor = mayStop ? 0 : Math.max(policy.minReplicas(), 1);
        if (target < floor) {
            target = floor;
            bound = floor == policy.minReplicas() ? Reason.AtMinReplicas : null;
        }

        if (target > current) {
            resetScaleDown();
            lastChange = now;
            Reason reason = current == 0 ? Reason.WakeUp : bound == null ? Reason.LagAboveTarget : bound;
            return new Decision(target, target, reason, "Scaling up from " + current + " to " + target + " pods: "
                    + numbers + why(bound, needed, load));
        }
        if (target == current) {
            resetScaleDown();
            Reason reason = bound == null ? Reason.Stable : bound;
            return new Decision(current, target, reason, current + " pods keep up: " + numbers + why(bound, needed,
                    load));
        }
        if (target == 0 && idleTimedOut) {
            resetScaleDown();
            lastChange = now;
            return new Decision(0, 0, Reason.Idle, "No lag and no input for " + policy.idleTimeout().toSeconds()
                    + "s (idleTimeout): stopping all " + current + " pods; records arriving start them again");
        }
        if (backlog) {
            resetScaleDown();
            return new Decision(current, target, Reason.BacklogDraining, target + " pods would do but the backlog is"
                    + " still draining, keeping " + current + ": " + numbers);
        }
        if (lowerSince == null) {
            lowerSince = now;
        }
        highestLower = Math.max(highestLower, target);
        Duration held = Duration.between(lowerSince, now);
        if (held.compareTo(policy.scaleDownWindow()) < 0) {
            return new Decision(current, target, Reason.ScaleDownPending, target + " pods would do; scaling down"
                    + " once fewer pods have done for " + policy.scaleDownWindow().toSeconds() + "s (held "
                    + held.toSeconds() + "s): " + numbers);
        }
        int to = highestLower;
        resetScaleDown();
        lastChange = now;
        return new Decision(to, target, Reason.ScaleDown, "Scaling down from " + current + " to " + to
                + " pods, the most the last " + policy.scaleDownWindow().toSeconds() + "s called for: " + numbers);
    }

    /** Records per second one pod processes, as the autoscaler currently believes. */
    public double recordsPerSecondPerReplica() {
        return capacity.perReplica();
    }

    private void resetScaleDown() {
        lowerSince = null;
        highestLower = 0;
    }

    private String why(Reason bound, int needed, Load load) {
        if (bound == Reason.CappedByPartitions) {
            return "; " + needed + " pods would catch up within " + policy.maxLagSeconds() + "s but the source has "
                    + load.partitions() + " partitions";
        }
        if (bound == Reason.CappedByMaxReplicas) {
            return "; " + needed + " pods would catch up within " + policy.maxLagSeconds()
                    + "s but scaling.maxReplicas is " + policy.maxReplicas();
        }
        if (bound == Reason.AtMinReplicas) {
            return "; scaling.minReplicas is " + policy.minReplicas();
        }
        return "";
    }
}

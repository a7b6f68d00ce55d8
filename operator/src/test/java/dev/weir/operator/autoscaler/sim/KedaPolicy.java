package dev.weir.operator.autoscaler.sim;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A KEDA Kafka scaler driving an HPA, with the defaults a user gets and a lag threshold a user would choose: KEDA polls
 * every 30 s and activates from zero at lag > 0 (activationLagThreshold 0) to one pod; the HPA sizes at
 * ⌈lag / lagThreshold⌉ pods with its 10 % tolerance, scales up by at most max(100 %, 4 pods) at a time and down to
 * the
 * highest recommendation of the last 300 s (stabilization window); KEDA scales to zero 300 s (cooldownPeriod) after
 * the lag was last above 0; never more pods than partitions (allowIdleConsumers false). lagThreshold is half of what
 * one pod processes in maxLagSeconds, so that in steady state the lag sits at half the target.
 */
final class KedaPolicy implements Policy {
    static final long POLL_SECONDS = 30;
    static final long STABILIZATION_SECONDS = 300;
    static final long COOLDOWN_SECONDS = 300;
    static final double TOLERANCE = 0.1;

    private final JobModel job;
    private final double lagThreshold;
    private final Deque<long[]> recommendations = new ArrayDeque<>();
    private long lastActive;

    KedaPolicy(JobModel job) {
        this.job = job;
        this.lagThreshold = job.recordsPerSecondPerReplica() * job.maxLagSeconds() / 2;
    }

    @Override
    public String name() {
        return "KEDA-style";
    }

    @Override
    public int replicas(long second, long produced, long processed, int current) {
        if (second % POLL_SECONDS != 0) {
            return current;
        }
        long lag = produced - processed;
        if (lag > 0) {
            lastActive = second;
        }
        if (current == 0) {
            return lag > 0 ? 1 : 0;
        }
        if (lag == 0 && second - lastActive >= COOLDOWN_SECONDS) {
            recommendations.clear();
            return 0;
        }
        double ratio = lag / (current * lagThreshold);
        int wanted = Math.abs(ratio - 1) <= TOLERANCE ? current : (int) Math.ceil(lag / lagThreshold);
        wanted = Math.max(1, Math.min(wanted, job.partitions()));
        recommendations.addLast(new long[] {second, wanted});
        while (recommendations.getFirst()[0] < second - STABILIZATION_SECONDS) {
            recommendations.removeFirst();
        }
        if (wanted > current) {
            return Math.min(wanted, Math.max(2 * current, current + 4));
        }
        return (int) recommendations.stream().mapToLong(r -> r[1]).max().orElse(wanted);
    }
}

package dev.weir.operator.autoscaler.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

/**
 * Runs a job model under a load profile with one policy, a second at a time, deterministically: the input carries
 * seeded noise, pods become ready a start-up after they are asked for, processing pauses on every rebalance, the
 * brokers show the offsets committed up to the second before (so records in flight count as lag, as they do). Each
 * run starts with a warm-up at the profile's first rate, left out of the figures, so that every policy meets the
 * profile as a job that has been running (deployed, caught up, its pod rate measured), not as one just deployed.
 */
final class Simulation {
    /** Seconds of warm-up before the profile starts. */
    static final int WARM_UP = 1800;
    /** Standard deviation of the per-second input around the profile's rate. */
    static final double NOISE = 0.1;
    static final long SEED = 42;

    private Simulation() {
    }

    /** The warm-up and profile's input, one rate per second, with the same noise for every policy. */
    static double[] input(LoadProfile profile) {
        Random random = new Random(SEED);
        double[] input = new double[WARM_UP + (int) profile.seconds()];
        for (int s = 0; s < input.length; s++) {
            double rate = profile.rate().applyAsDouble(Math.max(0, s - WARM_UP));
            input[s] = Math.max(0, rate * (1 + NOISE * random.nextGaussian()));
        }
        return input;
    }

    static Run run(JobModel job, double[] input, Policy policy) {
        int seconds = input.length;
        double[] produced = new double[seconds];
        Run run = new Run(policy.name(), seconds - WARM_UP);
        Deque<Long> starting = new ArrayDeque<>();
        int ready = 0;
        int asked = 0;
        double total = 0;
        double processed = 0;
        double committed = 0;
        long pausedUntil = -1;
        for (int t = 0; t < seconds; t++) {
            // the brokers see what was committed by the last second's end: records in flight between commits are lag
            int wanted = policy.replicas(t, (long) total, (long) committed, asked);
            if (wanted > asked) {
                for (int i = asked; i < wanted; i++) {
                    starting.addLast(t + job.startupSeconds());
                }
            } else if (wanted < asked) {
                int remove = asked - wanted;
                // pods still starting go first, then ready ones, which leave the group at once
                while (remove > 0 && !starting.isEmpty()) {
                    starting.removeLast();
                    remove--;
                }
                if (remove > 0) {
                    ready -= remove;
                    pausedUntil = t + job.rebalanceSeconds();
                }
            }
            asked = wanted;
            while (!starting.isEmpty() && starting.getFirst() <= t) {
                starting.removeFirst();
                ready++;
                pausedUntil = t + job.rebalanceSeconds();
            }
            committed = processed;
            total += input[t];
            produced[t] = total;
            double capacity = t < pausedUntil ? 0
                    : Math.min(ready, job.partitions()) * job.recordsPerSecondPerReplica();
            processed += Math.min(total - processed, capacity);
            if (t >= WARM_UP) {
                run.record(t - WARM_UP, asked, lagSeconds(produced, t, processed));
            }
        }
        return run;
    }

    /** Age of the oldest record not yet processed: how far behind the job is in time. */
    static int lagSeconds(double[] produced, int now, double processed) {
        if (produced[now] - processed < 1) {
            return 0;
        }
        int low = 0;
        int high = now;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (produced[mid] > processed) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return now - low;
    }
}

package dev.weir.operator.autoscaler.sim;

/**
 * One policy's run: lag and pods at every simulated second, and the figures of the table. Public with {@link Plot}
 * for the e2e fault run, which plots a measured run the same way.
 */
public final class Run {
    final String policy;
    final int[] replicas;
    final int[] lagSeconds;

    public Run(String policy, int seconds) {
        this.policy = policy;
        this.replicas = new int[seconds];
        this.lagSeconds = new int[seconds];
    }

    public void record(int second, int pods, int lag) {
        replicas[second] = pods;
        lagSeconds[second] = lag;
    }

    long secondsOverTarget(int maxLagSeconds) {
        long over = 0;
        for (int lag : lagSeconds) {
            over += lag > maxLagSeconds ? 1 : 0;
        }
        return over;
    }

    int maxLagSeconds() {
        int max = 0;
        for (int lag : lagSeconds) {
            max = Math.max(max, lag);
        }
        return max;
    }

    long replicaSeconds() {
        long sum = 0;
        for (int pods : replicas) {
            sum += pods;
        }
        return sum;
    }

    int scaleEvents() {
        int events = 0;
        for (int s = 1; s < replicas.length; s++) {
            events += replicas[s] != replicas[s - 1] ? 1 : 0;
        }
        return events;
    }

    /** Scale events whose direction differs from the one before: flapping shows here. */
    int directionChanges() {
        int changes = 0;
        int lastDirection = 0;
        for (int s = 1; s < replicas.length; s++) {
            int direction = Integer.signum(replicas[s] - replicas[s - 1]);
            if (direction != 0) {
                changes += lastDirection != 0 && direction != lastDirection ? 1 : 0;
                lastDirection = direction;
            }
        }
        return changes;
    }
}

package dev.weir.operator.autoscaler.sim;

/**
 * Knows the input to come: asks for pods a start-up (and rebalance) ahead, exactly as many as the highest input until
 * they are ready needs — the fewest that never fall behind — and stops them as soon as the input allows.
 */
final class OraclePolicy implements Policy {
    private final JobModel job;
    private final double[] input;

    OraclePolicy(JobModel job, double[] input) {
        this.job = job;
        this.input = input;
    }

    @Override
    public String name() {
        return "Oracle";
    }

    @Override
    public int replicas(long second, long produced, long processed, int current) {
        long until = Math.min(input.length - 1, second + job.startupSeconds() + job.rebalanceSeconds());
        double highest = 0;
        for (long s = second; s <= until; s++) {
            highest = Math.max(highest, input[(int) s]);
        }
        int needed = (int) Math.ceil(highest / job.recordsPerSecondPerReplica());
        // a backlog left by a rebalance pause (beyond the second in flight) is cleared with one pod more
        double inFlight = second == 0 ? 0 : input[(int) second - 1];
        if (produced - processed - inFlight > job.recordsPerSecondPerReplica() && needed > 0) {
            needed++;
        }
        return Math.min(needed, job.partitions());
    }
}

package dev.weir.operator.autoscaler;

/**
 * Records per second one pod processes: a start value until measured, then measured while the job has a backlog
 * (the only time processing shows what pods can do rather than what arrives).
 */
final class CapacityEstimate {
    /** Weight of a new measurement: smooths noise, yet follows a changed job within a few polls. */
    private static final double SMOOTHING = 0.5;

    private double perReplica;
    private boolean measured;

    CapacityEstimate(double initialPerReplica) {
        this.perReplica = initialPerReplica;
    }

    /** Takes what {@code replicas} settled pods processed; {@code saturated} when they had a backlog to work on. */
    void observe(double processingRate, int replicas, boolean saturated) {
        if (replicas <= 0 || !(processingRate > 0)) {
            return;
        }
        double seen = processingRate / replicas;
        if (saturated) {
            perReplica = measured ? perReplica + SMOOTHING * (seen - perReplica) : seen;
            measured = true;
        } else if (seen > perReplica) {
            // pods keeping up with more than the estimate can do at least that
            perReplica = seen;
        }
    }

    /** The unit of work changed by {@code factor} (a Kinesis reshard): what a pod does is the same in records. */
    void rescale(double factor) {
        perReplica *= factor;
    }

    double perReplica() {
        return perReplica;
    }

    boolean measured() {
        return measured;
    }
}

package dev.weir.operator.autoscaler.sim;

/** Sizes the simulated job; called every simulated second with what a lag probe could see. */
interface Policy {
    String name();

    /**
     * @param second    simulated time
     * @param produced  records written to the source so far (Σ end offsets)
     * @param processed records processed so far (Σ committed offsets)
     * @param current   pods asked for now
     * @return pods to ask for
     */
    int replicas(long second, long produced, long processed, int current);
}

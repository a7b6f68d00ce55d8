package dev.weir.operator.autoscaler;

/**
 * What the autoscaler decided at one poll.
 *
 * @param replicas    pods to run now
 * @param recommended pods the load calls for now, bounded, before the scale-down window
 * @param reason      why
 * @param message     the reason for humans, with the numbers it rests on
 */
public record Decision(int replicas, int recommended, Reason reason, String message) {
}

package dev.weir.operator.autoscaler.sim;

import java.util.function.LongToDoubleFunction;

/**
 * Records per second arriving at a job's source over simulated time.
 *
 * @param name        short name, used for plot files
 * @param seconds     simulated length
 * @param rate        the mean input rate at each second; the simulation adds noise
 * @param loadChanges how many times the load changes direction or level: the most direction changes of the pod
 *                    count a policy may make without flapping
 */
record LoadProfile(String name, long seconds, LongToDoubleFunction rate, int loadChanges) {
    private static final long MINUTE = 60;
    private static final long HOUR = 3600;

    /** 2000/s, then 8000/s from 30 min on. */
    static LoadProfile stepUp() {
        return new LoadProfile("step-up", 2 * HOUR, t -> t < 30 * MINUTE ? 2000 : 8000, 1);
    }

    /** 2000/s with a 5-minute spike to 9000/s at 30 min. */
    static LoadProfile spike() {
        return new LoadProfile("spike", 2 * HOUR,
                t -> t >= 30 * MINUTE && t < 35 * MINUTE ? 9000 : 2000, 2);
    }

    /** A day: 5000/s ± 4000/s, peaking at 6 h, lowest at 18 h. */
    static LoadProfile diurnal() {
        return new LoadProfile("diurnal", 24 * HOUR, t -> 5000 + 4000 * Math.sin(2 * Math.PI * t / (24.0 * HOUR)), 2);
    }

    /** Nothing for 30 min, 6000/s for {@code burstMinutes}, nothing until 2 h. */
    static LoadProfile idleBurstIdle(long burstMinutes) {
        return new LoadProfile("idle-burst-idle", 2 * HOUR,
                t -> t >= 30 * MINUTE && t < (30 + burstMinutes) * MINUTE ? 6000 : 0, 2);
    }
}

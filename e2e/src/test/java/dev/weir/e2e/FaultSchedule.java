package dev.weir.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * When the fault run injects what, drawn from a seed so that a run can be repeated: a runtime pod killed every
 * {@code podKillEvery}, the operator killed at random points, the Kafka broker restarted once, the S3 server stopped
 * once for {@code s3Down}, the API server restarted once after {@code apiDown} without it, a load step early on and a
 * spec edit late. Which pod a kill hits is drawn from the same seed when it happens, among the pods there then.
 */
record FaultSchedule(long seed, Duration length, List<Fault> faults) {
    /** What a fault does; the name is the table's and the plot's label. */
    enum Kind {
        POD_KILL("runtime pod SIGKILL"),
        OPERATOR_KILL("operator SIGKILL"),
        KAFKA_RESTART("Kafka broker restart"),
        S3_OUTAGE("S3 server stopped"),
        LOAD_STEP("load step"),
        SPEC_EDIT("spec edit (rolls pods)"),
        API_RESTART("API server restart");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** A fault {@code at} after the schedule starts; {@code lasting} is how long the server stays down (else zero). */
    record Fault(Duration at, Kind kind, Duration lasting) {
    }

    /** How long before an S3 outage an operator kill may come: its back-off and JVM start, with room. */
    static final Duration OPERATOR_CLEAR = Duration.ofSeconds(45);

    /** How long after the API server's outage a kill due in it comes: the server's start, with room. */
    static final Duration API_CLEAR = Duration.ofSeconds(20);

    static FaultSchedule draw(long seed, Duration length, Duration podKillEvery, int operatorKills, Duration s3Down,
                              Duration apiDown) {
        Random random = new Random(seed);
        List<Fault> faults = new ArrayList<>();
        for (Duration at = podKillEvery; at.compareTo(length) < 0; at = at.plus(podKillEvery)) {
            faults.add(new Fault(at, Kind.POD_KILL, Duration.ZERO));
        }
        List<Duration> operatorKillsAt = new ArrayList<>();
        for (int i = 0; i < operatorKills; i++) {
            operatorKillsAt.add(between(random, length, 0.05, 0.95));
        }
        faults.add(new Fault(between(random, length, 0.3, 0.45), Kind.KAFKA_RESTART, Duration.ofSeconds(5)));
        Duration s3At = between(random, length, 0.5, 0.6);
        faults.add(new Fault(s3At, Kind.S3_OUTAGE, s3Down));
        // an operator down for the whole outage would never write CheckpointsFailing: its kills fall outside the
        // outage and the restart after it (moved to its end otherwise)
        Duration quietFrom = s3At.minus(OPERATOR_CLEAR);
        Duration quietTo = s3At.plus(s3Down);
        for (Duration at : operatorKillsAt) {
            boolean inOutage = at.compareTo(quietFrom) > 0 && at.compareTo(quietTo) < 0;
            faults.add(new Fault(inOutage ? quietTo : at, Kind.OPERATOR_KILL, Duration.ZERO));
        }
        // early, so that the scale-up and the scale-down after it both happen while the faults go on
        faults.add(new Fault(between(random, length, 0.05, 0.1), Kind.LOAD_STEP, Duration.ZERO));
        faults.add(new Fault(between(random, length, 0.75, 0.85), Kind.SPEC_EDIT, Duration.ZERO));
        // drawn last, so that a seed gives the other faults the times it gave before this kind existed; a kill due
        // while the API server is down comes once it is back, as a pod cannot be found or deleted without it
        Duration apiAt = between(random, length, 0.15, 0.25);
        Duration apiBack = apiAt.plus(apiDown).plus(API_CLEAR);
        List<Fault> moved = new ArrayList<>();
        for (Fault fault : faults) {
            boolean kill = fault.kind() == Kind.POD_KILL || fault.kind() == Kind.OPERATOR_KILL;
            boolean inOutage = fault.at().compareTo(apiAt) >= 0 && fault.at().compareTo(apiBack) < 0;
            moved.add(kill && inOutage ? new Fault(apiBack, fault.kind(), fault.lasting()) : fault);
        }
        faults = moved;
        faults.add(new Fault(apiAt, Kind.API_RESTART, apiDown));
        faults.sort(Comparator.comparing(Fault::at));
        return new FaultSchedule(seed, length, List.copyOf(faults));
    }

    private static Duration between(Random random, Duration length, double from, double to) {
        return Duration.ofMillis((long) (length.toMillis() * (from + (to - from) * random.nextDouble())));
    }

    long count(Kind kind) {
        return faults.stream().filter(f -> f.kind() == kind).count();
    }
}

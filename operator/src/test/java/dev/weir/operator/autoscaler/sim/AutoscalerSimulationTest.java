package dev.weir.operator.autoscaler.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Weir's autoscaler against a KEDA-style baseline and an oracle on four load profiles (hours of simulated time, a few
 * seconds of CPU). Prints the table, writes it and one plot per profile to target/autoscaling/, and holds Weir to the
 * issue's targets: time over target ≤ 50 % of the baseline's at no more pod-seconds than the baseline, pod-seconds
 * ≤ 1.3 × the oracle's, at most one direction change per load change.
 *
 * <p>Then two Kinesis profiles (shards, a split mid-run, lag in seconds of stream) against KEDA's Kinesis scaler
 * (open shards / 2, never zero) and an oracle that knows the input and the split: never more pods than open shards,
 * time over target ≤ 50 % of the baseline's or at most two start-ups from zero (the baseline never stops), pod-seconds
 * ≤ 1.3 × the oracle's, zero pods once the input stops, at most one direction change per load change. KEDA's
 * pod-seconds are no bound here: on shard count alone it may run too few pods, not only too many.
 */
class AutoscalerSimulationTest {
    static final Path OUT = Path.of("target/autoscaling");
    static final double OVER_TARGET_SHARE = 0.5;
    static final double ORACLE_FACTOR = 1.3;
    /** A burst of half an hour; shorter ones cost relatively more to wake for, see wakingCostsMoreForShortBursts. */
    static final long BURST_MINUTES = 30;

    @Test
    void weirMeetsTheTargetsOnEveryProfile() throws IOException {
        JobModel job = JobModel.typical();
        List<String> table = new ArrayList<>(List.of(
                "| profile | policy | seconds over target | max lag (s) | pod-seconds | scale events"
                        + " | direction changes |",
                "|---|---|---:|---:|---:|---:|---:|"));
        List<String> failures = new ArrayList<>();
        for (LoadProfile profile : List.of(LoadProfile.stepUp(), LoadProfile.spike(), LoadProfile.diurnal(),
                LoadProfile.idleBurstIdle(BURST_MINUTES))) {
            double[] input = Simulation.input(profile);
            Run weir = Simulation.run(job, input, new WeirPolicy(job));
            Run keda = Simulation.run(job, input, new KedaPolicy(job));
            Run oracle = Simulation.run(job, input, new OraclePolicy(job, input));
            for (Run run : List.of(weir, keda, oracle)) {
                table.add(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %d |", profile.name(), run.policy,
                        run.secondsOverTarget(job.maxLagSeconds()), run.maxLagSeconds(), run.replicaSeconds(),
                        run.scaleEvents(), run.directionChanges()));
            }
            Plot.write(OUT.resolve(profile.name() + ".png"), profile.name() + ": lag and pods, "
                    + job.recordsPerSecondPerReplica() + " records/s per pod, " + job.startupSeconds() + " s start-up, "
                    + job.partitions() + " partitions", List.of(weir, keda, oracle), job.maxLagSeconds());
            check(failures, profile, job, weir, keda, oracle);
        }
        KinesisJobModel kinesisJob = KinesisJobModel.typical();
        for (KinesisProfile profile : List.of(KinesisProfile.stepAndSplit(), KinesisProfile.idleBurstSplitIdle())) {
            double[] input = Simulation.input(profile.load());
            KinesisSimulation.Result weir = KinesisSimulation.run(kinesisJob, profile, input,
                    new WeirKinesisPolicy(kinesisJob));
            KinesisSimulation.Result keda = KinesisSimulation.run(kinesisJob, profile, input, new KedaKinesisPolicy());
            KinesisSimulation.Result oracle = KinesisSimulation.run(kinesisJob, profile, input,
                    new OracleKinesisPolicy(kinesisJob, profile, input));
            for (Run run : List.of(weir.run(), keda.run(), oracle.run())) {
                table.add(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %d |", profile.name(),
                        run.policy, run.secondsOverTarget(kinesisJob.maxLagSeconds()), run.maxLagSeconds(),
                        run.replicaSeconds(), run.scaleEvents(), run.directionChanges()));
            }
            Plot.write(OUT.resolve(profile.name() + ".png"), profile.name() + ": lag and pods, "
                    + kinesisJob.recordsPerSecondPerReplica() + " records/s per pod, " + kinesisJob.startupSeconds()
                    + " s start-up, " + profile.shards() + " shards split in two at " + profile.splitAt() / 60
                    + " min", List.of(weir.run(), keda.run(), oracle.run()), kinesisJob.maxLagSeconds());
            checkKinesis(failures, profile, kinesisJob, weir, keda, oracle);
        }
        String text = String.join("\n", table) + "\n";
        System.out.println(text);
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("table.md"), text);
        assertEquals(List.of(), failures, "targets missed; table:\n" + text);
    }

    private static void checkKinesis(List<String> failures, KinesisProfile profile, KinesisJobModel job,
                                     KinesisSimulation.Result weir, KinesisSimulation.Result keda,
                                     KinesisSimulation.Result oracle) {
        if (weir.secondsAboveOpenShards() > 0) {
            failures.add(profile.name() + ": more pods than open shards for " + weir.secondsAboveOpenShards() + " s");
        }
        long weirOver = weir.run().secondsOverTarget(job.maxLagSeconds());
        long kedaOver = keda.run().secondsOverTarget(job.maxLagSeconds());
        // KEDA never stops a Kinesis job's pods, so it pays no start-up from zero: Weir may spend that much over
        long allowed = Math.max((long) (OVER_TARGET_SHARE * kedaOver), 2 * job.startupSeconds());
        if (weirOver > allowed) {
            failures.add(profile.name() + ": " + weirOver + " s over target, more than " + allowed + " (half the"
                    + " baseline's " + kedaOver + ", or twice a pod's start-up)");
        }
        if (weir.run().replicaSeconds() > ORACLE_FACTOR * oracle.run().replicaSeconds()) {
            failures.add(profile.name() + ": " + weir.run().replicaSeconds() + " pod-seconds, more than "
                    + ORACLE_FACTOR + " × the oracle's " + oracle.run().replicaSeconds());
        }
        int[] pods = weir.run().replicas;
        if (profile.load().rate().applyAsDouble(profile.load().seconds() - 1) == 0 && pods[pods.length - 1] != 0) {
            failures.add(profile.name() + ": " + pods[pods.length - 1] + " pods at the end of the idle tail, not 0");
        }
        if (weir.run().directionChanges() > profile.load().loadChanges()) {
            failures.add(profile.name() + ": " + weir.run().directionChanges() + " direction changes for "
                    + profile.load().loadChanges() + " load changes");
        }
    }

    private static void check(List<String> failures, LoadProfile profile, JobModel job, Run weir, Run keda,
                              Run oracle) {
        long weirOver = weir.secondsOverTarget(job.maxLagSeconds());
        long kedaOver = keda.secondsOverTarget(job.maxLagSeconds());
        if (weirOver > OVER_TARGET_SHARE * kedaOver) {
            failures.add(profile.name() + ": " + weirOver + " s over target, more than half the baseline's "
                    + kedaOver);
        }
        if (weir.replicaSeconds() > keda.replicaSeconds()) {
            failures.add(profile.name() + ": " + weir.replicaSeconds() + " pod-seconds, more than the baseline's "
                    + keda.replicaSeconds());
        }
        if (weir.replicaSeconds() > ORACLE_FACTOR * oracle.replicaSeconds()) {
            failures.add(profile.name() + ": " + weir.replicaSeconds() + " pod-seconds, more than " + ORACLE_FACTOR
                    + " × the oracle's " + oracle.replicaSeconds());
        }
        if (weir.directionChanges() > profile.loadChanges()) {
            failures.add(profile.name() + ": " + weir.directionChanges() + " direction changes for "
                    + profile.loadChanges() + " load changes");
        }
    }
}

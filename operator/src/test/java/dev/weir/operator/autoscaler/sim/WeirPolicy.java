package dev.weir.operator.autoscaler.sim;

import dev.weir.api.ScalingSpec;
import dev.weir.operator.autoscaler.Autoscaler;
import dev.weir.operator.autoscaler.ScalingPolicy;
import dev.weir.operator.autoscaler.Tuning;
import dev.weir.operator.lag.LagReading;
import dev.weir.operator.lag.LagTracker;
import java.time.Duration;
import java.time.Instant;

/**
 * Weir's autoscaler as the operator runs it: the real decision code fed by the real smoothing of the lag probe,
 * polling at the spec's pollInterval, with the spec's defaults but minReplicas 0 and maxReplicas 12.
 */
final class WeirPolicy implements Policy {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private final JobModel job;
    private final long pollSeconds;
    private final Autoscaler autoscaler;
    private final LagTracker tracker;

    WeirPolicy(JobModel job) {
        this.job = job;
        ScalingSpec spec = new ScalingSpec();
        spec.minReplicas = 0;
        spec.maxReplicas = job.partitions();
        spec.maxLagSeconds = job.maxLagSeconds();
        this.pollSeconds = spec.pollIntervalOrDefault().toSeconds();
        this.autoscaler = new Autoscaler(ScalingPolicy.of(spec), Tuning.defaults());
        this.tracker = LagTracker.forPollInterval(Duration.ofSeconds(pollSeconds));
    }

    @Override
    public String name() {
        return "Weir";
    }

    @Override
    public int replicas(long second, long produced, long processed, int current) {
        if (second % pollSeconds != 0) {
            return current;
        }
        LagReading reading = new LagReading(EPOCH.plusSeconds(second), job.partitions(), produced - processed,
                produced, processed);
        return autoscaler.decide(tracker.observe(reading), current).replicas();
    }
}

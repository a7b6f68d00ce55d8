package dev.weir.operator.observe;

import dev.weir.api.ScalingSpec;
import dev.weir.api.StreamJob;
import dev.weir.operator.autoscaler.Autoscaler;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.autoscaler.Load;
import dev.weir.operator.autoscaler.ScalingPolicy;
import dev.weir.operator.autoscaler.Tuning;
import dev.weir.operator.lag.LagProbe;
import dev.weir.operator.lag.LagProbeException;
import dev.weir.operator.lag.LagTracker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each job's lag, read from its brokers at spec.scaling.pollInterval (also while it runs no pods), and, when
 * spec.scaling lets the autoscaler size it, the autoscaler's decision. Reconciles in between reuse the last poll, so
 * the reconciles that follow the operator's own status writes ask the brokers nothing.
 */
public final class Autoscaling implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Autoscaling.class);

    private final LagProbe probe;
    private final Clock clock;
    private final Tuning tuning;
    private final ScalingMetrics metrics;
    private final Map<String, JobState> jobs = new ConcurrentHashMap<>();

    public Autoscaling(LagProbe probe, Clock clock, Tuning tuning, ScalingMetrics metrics) {
        this.probe = probe;
        this.clock = clock;
        this.tuning = tuning;
        this.metrics = metrics;
    }

    /**
     * A poll's outcome.
     *
     * @param load     the job's lag and rates
     * @param decision the autoscaler's decision, when it sizes the job
     * @param fresh    whether the brokers were asked now (false: the last poll, reused)
     * @param nextPoll how long until the next poll is due
     */
    public record Poll(Load load, Optional<Decision> decision, boolean fresh, Duration nextPoll) {
    }

    /** The job is deleted: its autoscaler and the probe's memory of it go, so a new job of that name starts afresh. */
    public void forget(StreamJob job) {
        jobs.remove(key(job));
        if (probe.reads(job)) {
            probe.forget(job);
        }
    }

    private static String key(StreamJob job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

    /**
     * Polls the job if a poll is due, with {@code current} pods asked for; empty when no probe reads its source or
     * the brokers did not answer (logged), in which case the job keeps its pods.
     */
    public Optional<Poll> poll(StreamJob job, int current) {
        if (!probe.reads(job)) {
            return Optional.empty();
        }
        ScalingSpec spec = Objects.requireNonNullElseGet(job.getSpec().scaling, ScalingSpec::new);
        ScalingPolicy policy = ScalingPolicy.of(spec);
        Duration interval = spec.pollIntervalOrDefault();
        JobState state = jobs.compute(key(job), (k, known) -> known != null && known.policy.equals(policy)
                && known.interval.equals(interval) ? known : new JobState(policy, interval, tuning));
        Instant now = clock.instant();
        synchronized (state) {
            if (state.lastPoll != null && now.isBefore(state.lastPollTime.plus(interval))) {
                Poll last = state.lastPoll;
                return Optional.of(new Poll(last.load(), last.decision(), false,
                        Duration.between(now, state.lastPollTime.plus(interval))));
            }
            state.lastPollTime = now;
            Load load;
            try {
                load = state.tracker.observe(probe.read(job));
                state.lastError = null;
            } catch (LagProbeException e) {
                if (!Objects.equals(e.getMessage(), state.lastError)) {
                    LOG.warn("StreamJob {}: {}", key(job), e.getMessage());
                }
                state.lastError = e.getMessage();
                state.lastPoll = null;
                return Optional.empty();
            }
            boolean sized = spec.autoscales() && !Boolean.TRUE.equals(job.getSpec().suspend);
            Optional<Decision> decision = sized ? Optional.of(state.autoscaler.decide(load, current))
                    : Optional.empty();
            metrics.record(job, load, decision, current);
            state.lastPoll = new Poll(load, decision, true, interval);
            return Optional.of(state.lastPoll);
        }
    }

    /** The job's poll interval: when to try again after a poll that got no answer. */
    Duration pollInterval(StreamJob job) {
        return Objects.requireNonNullElseGet(job.getSpec().scaling, ScalingSpec::new).pollIntervalOrDefault();
    }

    @Override
    public void close() {
        probe.close();
    }

    /** What the operator remembers of one job between polls. */
    private static final class JobState {
        final ScalingPolicy policy;
        final Duration interval;
        final LagTracker tracker;
        final Autoscaler autoscaler;
        Instant lastPollTime;
        Poll lastPoll;
        String lastError;

        JobState(ScalingPolicy policy, Duration interval, Tuning tuning) {
            this.policy = policy;
            this.interval = interval;
            this.tracker = LagTracker.forPollInterval(interval);
            this.autoscaler = new Autoscaler(policy, tuning);
        }
    }
}

package dev.weir.operator.status;

import dev.weir.api.StreamJobStatus;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.autoscaler.LagUnit;
import dev.weir.operator.autoscaler.Load;
import dev.weir.operator.observe.Autoscaling;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/** The lag, rates and last scaling decision in a job's status. */
final class ScalingStatus {
    /** Rates are shown to a tenth of a record per second: finer only churns the status. */
    private static final double RATE_PRECISION = 10.0;

    private ScalingStatus() {
    }

    /** What {@code previous} said of lag and scaling, for a status written without a new poll. */
    static void carryOver(StreamJobStatus next, StreamJobStatus previous) {
        if (previous == null) {
            return;
        }
        next.lag = previous.lag;
        next.lagSeconds = previous.lagSeconds;
        next.inputRate = previous.inputRate;
        next.processingRate = previous.processingRate;
        next.desiredReplicas = previous.desiredReplicas;
        next.lastScaling = previous.lastScaling;
    }

    /** Puts a fresh or reused {@code poll} into {@code next}, over what it carried over. */
    static void apply(StreamJobStatus next, Autoscaling.Poll poll, Instant now) {
        Load load = poll.load();
        if (load.unit() == LagUnit.RECORDS) {
            next.lag = load.lag();
            next.lagSeconds = null;
            next.inputRate = Math.round(load.inputRate() * RATE_PRECISION) / RATE_PRECISION;
            next.processingRate = Math.round(load.processingRate() * RATE_PRECISION) / RATE_PRECISION;
        } else {
            // Kinesis: time behind, to a tenth of a second; the shard-millisecond rates are the autoscaler's unit,
            // not records, so they stay out of a status that says records per second
            next.lag = null;
            next.lagSeconds = Math.round(load.behind().orElse(Duration.ZERO).toMillis() / 100.0) / 10.0;
            next.inputRate = null;
            next.processingRate = null;
        }
        Optional<Decision> decision = poll.decision();
        next.desiredReplicas = decision.map(Decision::recommended).orElse(null);
        StreamJobStatus.ScalingDecision last = next.lastScaling;
        next.lastScaling = decision.map(d -> sameDecision(last, d) ? last : record(d, now)).orElse(last);
    }

    /** The same reason and count: the earlier record, with its time, still describes it. */
    private static boolean sameDecision(StreamJobStatus.ScalingDecision last, Decision decision) {
        return last != null && Objects.equals(last.reason, decision.reason().name())
                && Objects.equals(last.replicas, decision.replicas());
    }

    private static StreamJobStatus.ScalingDecision record(Decision decision, Instant now) {
        StreamJobStatus.ScalingDecision record = new StreamJobStatus.ScalingDecision();
        record.reason = decision.reason().name();
        record.message = decision.message();
        record.replicas = decision.replicas();
        record.time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return record;
    }
}

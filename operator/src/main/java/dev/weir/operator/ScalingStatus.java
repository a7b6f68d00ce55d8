package dev.weir.operator;

import dev.weir.api.StreamJobStatus;
import dev.weir.operator.autoscaler.Decision;
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

    /** Puts {@code poll} into {@code next}; without a poll, what {@code previous} said stays. */
    static void apply(StreamJobStatus next, StreamJobStatus previous, Optional<Autoscaling.Poll> poll, Instant now) {
        if (poll.isEmpty()) {
            if (previous != null) {
                next.lag = previous.lag;
                next.inputRate = previous.inputRate;
                next.processingRate = previous.processingRate;
                next.desiredReplicas = previous.desiredReplicas;
                next.lastScaling = previous.lastScaling;
            }
            return;
        }
        next.lag = poll.get().load().lag();
        next.inputRate = Math.round(poll.get().load().inputRate() * RATE_PRECISION) / RATE_PRECISION;
        next.processingRate = Math.round(poll.get().load().processingRate() * RATE_PRECISION) / RATE_PRECISION;
        Optional<Decision> decision = poll.get().decision();
        next.desiredReplicas = decision.map(Decision::recommended).orElse(null);
        StreamJobStatus.ScalingDecision last = previous == null ? null : previous.lastScaling;
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

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.time.Duration;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
        message = "minReplicas must be ≤ maxReplicas")
public class ScalingSpec {
    public static final int DEFAULT_MIN_REPLICAS = 1;
    public static final int DEFAULT_MAX_REPLICAS = 1;
    public static final int DEFAULT_MAX_LAG_SECONDS = 30;
    public static final String DEFAULT_SCALE_DOWN_WINDOW = "1m";
    public static final String DEFAULT_IDLE_TIMEOUT = "5m";
    public static final String DEFAULT_POLL_INTERVAL = "10s";

    @Min(0)
    @Default("" + DEFAULT_MIN_REPLICAS)
    @JsonPropertyDescription("Fewest runtime pods; 0 lets an idle job stop (default 1).")
    public Integer minReplicas;

    @Min(1)
    @Default("" + DEFAULT_MAX_REPLICAS)
    @JsonPropertyDescription("Most runtime pods; more than the source's partitions only idle (default 1). With"
            + " maxReplicas > minReplicas, or minReplicas 0, the autoscaler sizes the job and spec.replicas is"
            + " ignored.")
    public Integer maxReplicas;

    @Min(1)
    @Default("" + DEFAULT_MAX_LAG_SECONDS)
    @JsonPropertyDescription("Target: the job catches up within this many seconds of lag (default 30).")
    public Integer maxLagSeconds;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_SCALE_DOWN_WINDOW)
    @JsonPropertyDescription("A lower replica count must hold this long before the job scales down, to the highest"
            + " count recommended in that time (default 1m). Scaling up is immediate.")
    public String scaleDownWindow;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_IDLE_TIMEOUT)
    @JsonPropertyDescription("With minReplicas 0, the job stops after this long with no lag and no input (default 5m);"
            + " it starts again as soon as records arrive.")
    public String idleTimeout;

    @Pattern(Durations.PATTERN)
    @Default(DEFAULT_POLL_INTERVAL)
    @JsonPropertyDescription("How often the operator reads the job's lag from the brokers, also while it runs no pods"
            + " (default 10s).")
    public String pollInterval;

    public int minReplicasOrDefault() {
        return minReplicas == null ? DEFAULT_MIN_REPLICAS : minReplicas;
    }

    public int maxReplicasOrDefault() {
        return maxReplicas == null ? DEFAULT_MAX_REPLICAS : maxReplicas;
    }

    public int maxLagSecondsOrDefault() {
        return maxLagSeconds == null ? DEFAULT_MAX_LAG_SECONDS : maxLagSeconds;
    }

    /** The scale-down window; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration scaleDownWindowOrDefault() {
        return Durations.parse(scaleDownWindow == null ? DEFAULT_SCALE_DOWN_WINDOW : scaleDownWindow);
    }

    /** The idle timeout; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration idleTimeoutOrDefault() {
        return Durations.parse(idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout);
    }

    /** The poll interval; call after validation, it throws IllegalArgumentException on a malformed one. */
    public Duration pollIntervalOrDefault() {
        return Durations.parse(pollInterval == null ? DEFAULT_POLL_INTERVAL : pollInterval);
    }

    /**
     * Whether the autoscaler sizes the job: it has room to move (maxReplicas > minReplicas) or may stop an idle job
     * (minReplicas 0). Otherwise spec.replicas does, through the scale subresource.
     */
    public boolean autoscales() {
        return maxReplicasOrDefault() > minReplicasOrDefault() || minReplicasOrDefault() == 0;
    }
}

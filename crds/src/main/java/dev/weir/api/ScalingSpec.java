package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
        message = "minReplicas must be ≤ maxReplicas")
public class ScalingSpec {
    public static final int DEFAULT_MIN_REPLICAS = 1;
    public static final int DEFAULT_MAX_REPLICAS = 1;
    public static final int DEFAULT_MAX_LAG_SECONDS = 30;

    @Min(0)
    @Default("" + DEFAULT_MIN_REPLICAS)
    @JsonPropertyDescription("Fewest runtime pods; 0 lets an idle job stop (default 1).")
    public Integer minReplicas;

    @Min(1)
    @Default("" + DEFAULT_MAX_REPLICAS)
    @JsonPropertyDescription("Most runtime pods; more than the source's partitions only idle (default 1).")
    public Integer maxReplicas;

    @Min(1)
    @Default("" + DEFAULT_MAX_LAG_SECONDS)
    @JsonPropertyDescription("Target: the job catches up within this many seconds of lag (default 30).")
    public Integer maxLagSeconds;

    public int minReplicasOrDefault() {
        return minReplicas == null ? DEFAULT_MIN_REPLICAS : minReplicas;
    }

    public int maxReplicasOrDefault() {
        return maxReplicas == null ? DEFAULT_MAX_REPLICAS : maxReplicas;
    }

    public int maxLagSecondsOrDefault() {
        return maxLagSeconds == null ? DEFAULT_MAX_LAG_SECONDS : maxLagSeconds;
    }
}

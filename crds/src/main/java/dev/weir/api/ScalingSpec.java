package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScalingSpec {
    @JsonPropertyDescription("Fewest runtime pods; 0 lets an idle job stop (default 1).")
    public Integer minReplicas;

    @JsonPropertyDescription("Most runtime pods; more than the source's partitions only idle (default 1).")
    public Integer maxReplicas;

    @JsonPropertyDescription("Target: the job catches up within this many seconds of lag (default 30).")
    public Integer maxLagSeconds;
}

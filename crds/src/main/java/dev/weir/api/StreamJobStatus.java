package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StreamJobStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("Pending, Running, Suspended or Failed.")
    public String phase;

    @JsonPropertyDescription("Standard conditions: Ready, Progressing, Degraded.")
    public List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Runtime pods asked for.")
    public Integer replicas;

    @JsonPropertyDescription("Runtime pods ready.")
    public Integer readyReplicas;

    @JsonPropertyDescription("Records the job's consumers are behind, over all source partitions.")
    public Long lag;
}

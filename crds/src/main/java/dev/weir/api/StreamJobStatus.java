package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StreamJobStatus {
    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @PrinterColumn(name = "Phase")
    @JsonPropertyDescription("Pending, Running, Idle (scaled to zero by the autoscaler), Suspended or Failed.")
    public String phase;

    @JsonPropertyDescription("Standard conditions: Ready, Progressing, Degraded.")
    public List<Condition> conditions = new ArrayList<>();

    @PrinterColumn(name = "Replicas")
    @StatusReplicas
    @JsonPropertyDescription("Runtime pods asked for.")
    public Integer replicas;

    @LabelSelector
    @JsonPropertyDescription("Label selector of the job's runtime pods, for the scale subresource (HPA, KEDA).")
    public String selector;

    @JsonPropertyDescription("Runtime pods ready.")
    public Integer readyReplicas;

    @PrinterColumn(name = "Lag")
    @JsonPropertyDescription("Records the job's consumers are behind, over all source partitions (Kafka sources;"
            + " a Kinesis job's lag is lagSeconds).")
    public Long lag;

    @PrinterColumn(name = "Lag (s)")
    @JsonPropertyDescription("Seconds the furthest source shard is behind its newest record (Kinesis sources, whose"
            + " sequence numbers cannot count records).")
    public Double lagSeconds;

    @JsonPropertyDescription("Records per second arriving in the source, smoothed over the last polls (Kafka sources).")
    public Double inputRate;

    @JsonPropertyDescription("Records per second the job's consumers commit, smoothed over the last polls (Kafka"
            + " sources).")
    public Double processingRate;

    @JsonPropertyDescription("Runtime pods the autoscaler wants now (before its scale-down window); absent when"
            + " spec.scaling does not let it size the job.")
    public Integer desiredReplicas;

    @JsonPropertyDescription("The autoscaler's last decision that changed its reason or replica count.")
    public ScalingDecision lastScaling;

    @JsonPropertyDescription("The job's latest checkpoint and savepoints, as the operator last listed them.")
    public CheckpointsStatus checkpoints;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ScalingDecision {
        @JsonPropertyDescription("Why, in CamelCase: LagAboveTarget, BacklogDraining, Idle, WakeUp, CappedByPartitions,"
                + " CappedByMaxReplicas, AtMinReplicas, ScaleDownPending, ScaleDown, Stable.")
        public String reason;

        @JsonPropertyDescription("The reason for humans, with the numbers it rests on.")
        public String message;

        @JsonPropertyDescription("Runtime pods decided on.")
        public Integer replicas;

        @JsonPropertyDescription("When the decision was made (RFC 3339).")
        public String time;
    }

    /**
     * The schema of an element of {@link #conditions} in the CRD, which fabric8's {@link Condition} leaves without
     * descriptions; never instantiated.
     */
    static final class ConditionSchema {
        @JsonPropertyDescription("Ready, Progressing or Degraded.")
        public String type;

        @JsonPropertyDescription("True, False or Unknown.")
        public String status;

        @JsonPropertyDescription("Why the condition has its status, in CamelCase, e.g. SourceUnreachable.")
        public String reason;

        @JsonPropertyDescription("The reason for humans: what happened and, for a problem the user can fix, how.")
        public String message;

        @JsonPropertyDescription("When status last changed (RFC 3339).")
        public String lastTransitionTime;

        @JsonPropertyDescription("The metadata.generation the condition was set for.")
        public Long observedGeneration;

        private ConditionSchema() {
        }
    }
}

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StreamJobSpec {
    @JsonPropertyDescription("Where records come from: exactly one of kafka or kinesis.")
    public SourceSpec source;

    @JsonPropertyDescription("How each record's event time is read. Absent: the source record's timestamp.")
    public EventTimeSpec eventTime;

    @JsonPropertyDescription("Steps applied in order to every record: filter, map, window.")
    public List<StepSpec> pipeline = new ArrayList<>();

    @JsonPropertyDescription("Where results go: exactly one of kafka or kinesis.")
    public SinkSpec sink;

    @JsonPropertyDescription("Where bad and late records go, each with its reason and source position.")
    public SinkSpec deadLetter;

    @JsonPropertyDescription("exactly_once (Kafka transactions) or at_least_once (the default).")
    public ProcessingGuarantee processingGuarantee;

    @JsonPropertyDescription("Where and how often state checkpoints are written.")
    public CheckpointSpec checkpoints;

    @JsonPropertyDescription("How many runtime pods run the job, driven by consumer lag.")
    public ScalingSpec scaling;

    @JsonPropertyDescription("OpenTelemetry tracing of records.")
    public TracingSpec tracing;

    @JsonPropertyDescription("true stops the job's pods (state is kept); false runs them.")
    public Boolean suspend;

    public ProcessingGuarantee processingGuaranteeOrDefault() {
        return processingGuarantee == null ? ProcessingGuarantee.at_least_once : processingGuarantee;
    }
}

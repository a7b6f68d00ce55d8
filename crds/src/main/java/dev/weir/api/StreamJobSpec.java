package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.sink) || !has(self.deadLetter)"
        + " || (!has(self.sink.kafka) || !has(self.deadLetter.kafka)"
        + " || self.sink.kafka.topic != self.deadLetter.kafka.topic"
        + " || (has(self.sink.kafka.bootstrapServers) ? self.sink.kafka.bootstrapServers : '')"
        + " != (has(self.deadLetter.kafka.bootstrapServers) ? self.deadLetter.kafka.bootstrapServers : ''))"
        + " && (!has(self.sink.kinesis) || !has(self.deadLetter.kinesis)"
        + " || self.sink.kinesis.stream != self.deadLetter.kinesis.stream"
        + " || (has(self.sink.kinesis.region) ? self.sink.kinesis.region : '')"
        + " != (has(self.deadLetter.kinesis.region) ? self.deadLetter.kinesis.region : '')"
        + " || (has(self.sink.kinesis.endpoint) ? self.sink.kinesis.endpoint : '')"
        + " != (has(self.deadLetter.kinesis.endpoint) ? self.deadLetter.kinesis.endpoint : ''))",
        message = "spec.deadLetter must not be spec.sink's topic or stream: results and dead letters would mix")
@ValidationRule(value = "!has(self.source) || !has(self.source.kafka)"
        + " || (!has(self.sink) || !has(self.sink.kafka) || self.sink.kafka.topic != self.source.kafka.topic)"
        + " && (!has(self.deadLetter) || !has(self.deadLetter.kafka)"
        + " || self.deadLetter.kafka.topic != self.source.kafka.topic)",
        message = "spec.sink and spec.deadLetter must not be the source topic: the job would read its own output")
@ValidationRule(value = "!has(self.sql) || !has(self.pipeline) || size(self.pipeline) == 0",
        message = "set spec.sql or spec.pipeline, not both: the query compiles to a pipeline of its own")
@ValidationRule(value = "!has(self.restoreFrom) || (has(self.checkpoints) && has(self.checkpoints.location))",
        message = "spec.restoreFrom needs spec.checkpoints.location: a job restored from a savepoint keeps checkpoints"
                + " of its own")
public class StreamJobSpec {
    public static final int DEFAULT_REPLICAS = 1;
    @Required
    @JsonPropertyDescription("Where records come from: exactly one of kafka or kinesis.")
    public SourceSpec source;

    @JsonPropertyDescription("How each record's event time is read. Absent: the source record's timestamp.")
    public EventTimeSpec eventTime;

    @JsonPropertyDescription("Steps applied in order to every record: filter, map, window. Not with sql.")
    public List<StepSpec> pipeline = new ArrayList<>();

    @JsonPropertyDescription("The pipeline as one Flink-dialect SQL query instead of steps, e.g. SELECT sensor_id,"
            + " window_start, window_end, AVG(temperature) AS avg_temp FROM TABLE(TUMBLE(TABLE sensor_readings,"
            + " DESCRIPTOR(event_time), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end, sensor_id. FROM names"
            + " the source topic or stream; windows read spec.eventTime.field and allow spec.eventTime.allowedLateness."
            + " Not with pipeline; see docs/sql.md.")
    public String sql;

    @Required
    @JsonPropertyDescription("Where results go: exactly one of kafka or kinesis.")
    public SinkSpec sink;

    @Required
    @JsonPropertyDescription("Where bad and late records go, each with its reason and source position:"
            + " exactly one of kafka or kinesis.")
    public SinkSpec deadLetter;

    @Default("at_least_once")
    @JsonPropertyDescription("exactly_once (Kafka transactions; needs Kafka for source, sink and deadLetter)"
            + " or at_least_once (the default).")
    public ProcessingGuarantee processingGuarantee;

    @JsonPropertyDescription("Where and how often state checkpoints are written.")
    public CheckpointSpec checkpoints;

    @Pattern("^(s3|file)://.+")
    @JsonPropertyDescription("Starts the job's state from the savepoints of another job: that job's checkpoint folder,"
            + " e.g. s3://bucket/prefix/weir-prod-old-job. Used for each task that has no checkpoint of this job yet.")
    public String restoreFrom;

    @JsonPropertyDescription("How many runtime pods run the job, driven by consumer lag.")
    public ScalingSpec scaling;

    @JsonPropertyDescription("OpenTelemetry tracing of records.")
    public TracingSpec tracing;

    @Default("false")
    @JsonPropertyDescription("true stops the job's pods (state is kept); false (the default) runs them.")
    public Boolean suspend;

    @JsonPropertyDescription("CPU and memory requests and limits of each runtime pod.")
    public ResourcesSpec resources;

    @SpecReplicas
    @Min(0)
    @Default("" + DEFAULT_REPLICAS)
    @JsonPropertyDescription("Runtime pods to run (default 1); kubectl scale, an HPA or KEDA set it through the scale"
            + " subresource. 0 stops the pods as suspend does. Ignored while suspend is true.")
    public Integer replicas;

    public int replicasOrDefault() {
        return replicas == null ? DEFAULT_REPLICAS : replicas;
    }

    /** The most pods the job may ever run on: the larger of {@code replicas} and {@code scaling.maxReplicas}. */
    public int mostPods() {
        return Math.max(replicasOrDefault(), scaling == null ? 0 : scaling.maxReplicasOrDefault());
    }

    public ProcessingGuarantee processingGuaranteeOrDefault() {
        return processingGuarantee == null ? ProcessingGuarantee.at_least_once : processingGuarantee;
    }
}

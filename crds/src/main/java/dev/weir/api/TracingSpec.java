package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TracingSpec {
    public static final double DEFAULT_SAMPLE_RATIO = 0.1;
    /** The payload field that carries the W3C trace context on Kinesis records, which have no headers. */
    public static final String DEFAULT_PAYLOAD_FIELD = "traceparent";
    /** A top-level field name as the payload field may be: letters, digits, '_', '-' and '.'. */
    public static final String FIELD_NAME = "^[A-Za-z_][A-Za-z0-9_.-]{0,127}$";

    @Required
    @Pattern(SourceSpec.HTTP_URL)
    @JsonPropertyDescription("OTLP gRPC endpoint of the collector, e.g. http://otel-collector:4317.")
    public String endpoint;

    @Min(0)
    @Max(1)
    @Default("" + DEFAULT_SAMPLE_RATIO)
    @JsonPropertyDescription("Fraction of records traced, 0 to 1 (default 0.1).")
    public Double sampleRatio;

    @Pattern(FIELD_NAME)
    @JsonPropertyDescription("Kinesis only: the top-level string field of the JSON payload that carries the W3C"
            + " traceparent, read from source records and written on the sink's and dead-letter stream's (default"
            + " traceparent). Kafka records carry it in the traceparent header.")
    public String payloadField;

    public double sampleRatioOrDefault() {
        return sampleRatio == null ? DEFAULT_SAMPLE_RATIO : sampleRatio;
    }

    /** The payload field of a job's trace context, also without {@code spec.tracing}. */
    public static String payloadFieldOf(TracingSpec tracing) {
        return tracing == null || tracing.payloadField == null ? DEFAULT_PAYLOAD_FIELD : tracing.payloadField;
    }
}

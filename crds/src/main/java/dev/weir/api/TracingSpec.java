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

    @Required
    @Pattern(SourceSpec.HTTP_URL)
    @JsonPropertyDescription("OTLP gRPC endpoint of the collector, e.g. http://otel-collector:4317.")
    public String endpoint;

    @Min(0)
    @Max(1)
    @Default("" + DEFAULT_SAMPLE_RATIO)
    @JsonPropertyDescription("Fraction of records traced, 0 to 1 (default 0.1).")
    public Double sampleRatio;

    public double sampleRatioOrDefault() {
        return sampleRatio == null ? DEFAULT_SAMPLE_RATIO : sampleRatio;
    }
}

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** CPU and memory of each runtime pod, as Kubernetes quantities. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourcesSpec {
    /** A Kubernetes quantity: 500m, 2, 512Mi, 1Gi. */
    public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$";

    @JsonPropertyDescription("What the scheduler reserves for each runtime pod (default cpu 500m, memory 1Gi).")
    public Compute requests;

    @JsonPropertyDescription("The most each runtime pod may use (default cpu 2, memory 1Gi).")
    public Compute limits;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Compute {
        @Pattern(QUANTITY)
        @JsonPropertyDescription("CPU as a Kubernetes quantity, e.g. 500m or 2.")
        public String cpu;

        @Pattern(QUANTITY)
        @JsonPropertyDescription("Memory as a Kubernetes quantity, e.g. 512Mi or 2Gi.")
        public String memory;
    }
}

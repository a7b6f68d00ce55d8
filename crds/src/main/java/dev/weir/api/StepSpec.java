package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.LinkedHashMap;

/** One pipeline step: exactly one of filter, map, window. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.filter) ? 1 : 0) + (has(self.map) ? 1 : 0) + (has(self.window) ? 1 : 0) == 1",
        message = "a pipeline step sets exactly one of filter, map or window")
public class StepSpec {
    @JsonPropertyDescription("CEL expression yielding bool: the record is kept when true.")
    public String filter;

    @Size(min = 1)
    @JsonPropertyDescription("Output field name → CEL expression: the new record has exactly these fields.")
    public LinkedHashMap<String, String> map;

    @JsonPropertyDescription("Group records by key into event-time windows and aggregate each window. At most one"
            + " step of a pipeline is a window; steps after it work on the window's output records.")
    public WindowSpec window;
}

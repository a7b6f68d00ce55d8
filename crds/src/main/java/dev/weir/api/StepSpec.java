package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.LinkedHashMap;

/** One pipeline step: exactly one of filter, map, window. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepSpec {
    @JsonPropertyDescription("CEL expression yielding bool: the record is kept when true.")
    public String filter;

    @JsonPropertyDescription("Output field name → CEL expression: the new record has exactly these fields.")
    public LinkedHashMap<String, String> map;

    @JsonPropertyDescription("Group records by key into event-time windows and aggregate each window.")
    public WindowSpec window;
}

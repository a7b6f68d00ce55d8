package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointSpec {
    @JsonPropertyDescription("s3://bucket/prefix or file:///path (the local default).")
    public String location;

    @JsonPropertyDescription("Time between checkpoints (default 30s).")
    public String interval;
}

package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourceSpec {
    @JsonPropertyDescription("Read a Kafka topic.")
    public KafkaSource kafka;

    @JsonPropertyDescription("Read a Kinesis stream.")
    public KinesisSource kinesis;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KafkaSource {
        @JsonPropertyDescription("Comma-separated host:port list of the Kafka brokers.")
        public String bootstrapServers;

        @JsonPropertyDescription("The topic to read.")
        public String topic;

        @JsonPropertyDescription("Where a new job starts reading: earliest (the default) or latest.")
        public StartingOffsets startingOffsets;
    }

    public enum StartingOffsets { earliest, latest }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KinesisSource {
        @JsonPropertyDescription("The Kinesis stream to read.")
        public String stream;

        @JsonPropertyDescription("The AWS region of the stream.")
        public String region;

        @JsonPropertyDescription("Endpoint override, for Kinesis-compatible servers.")
        public String endpoint;

        @JsonPropertyDescription("Where a new job starts reading: TRIM_HORIZON (the default) or LATEST.")
        public StartingPosition startingPosition;
    }

    public enum StartingPosition { TRIM_HORIZON, LATEST }
}

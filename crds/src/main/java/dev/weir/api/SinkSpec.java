package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SinkSpec {
    @JsonPropertyDescription("Write to a Kafka topic.")
    public KafkaSink kafka;

    @JsonPropertyDescription("Write to a Kinesis stream.")
    public KinesisSink kinesis;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KafkaSink {
        @JsonPropertyDescription("The topic to write.")
        public String topic;

        @JsonPropertyDescription("Brokers of the topic; absent: the source's brokers.")
        public String bootstrapServers;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KinesisSink {
        @JsonPropertyDescription("The Kinesis stream to write.")
        public String stream;

        @JsonPropertyDescription("The AWS region of the stream; absent: the source's region.")
        public String region;

        @JsonPropertyDescription("Endpoint override, for Kinesis-compatible servers.")
        public String endpoint;
    }
}

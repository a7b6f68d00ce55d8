package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.kafka) != has(self.kinesis)", message = "set exactly one of kafka or kinesis")
public class SinkSpec {
    @JsonPropertyDescription("Write to a Kafka topic.")
    public KafkaSink kafka;

    @JsonPropertyDescription("Write to a Kinesis stream.")
    public KinesisSink kinesis;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KafkaSink {
        @Required
        @Pattern(SourceSpec.KAFKA_TOPIC)
        @Size(min = 1, max = SourceSpec.KAFKA_TOPIC_MAX_LENGTH)
        @JsonPropertyDescription("The topic to write: not the source topic; the sink's and the dead letter's differ.")
        public String topic;

        @JsonPropertyDescription("Brokers of the topic; absent: the source's brokers (required when the source is"
                + " not Kafka).")
        public String bootstrapServers;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KinesisSink {
        @Required
        @JsonPropertyDescription("The Kinesis stream to write.")
        public String stream;

        @JsonPropertyDescription("The AWS region of the stream; absent: the source's region (required when the"
                + " source is not Kinesis).")
        public String region;

        @Pattern(SourceSpec.HTTP_URL)
        @JsonPropertyDescription("Endpoint override, for Kinesis-compatible servers: an http:// or https:// URL.")
        public String endpoint;
    }
}

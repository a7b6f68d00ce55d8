package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.kafka) != has(self.kinesis)", message = "set exactly one of kafka or kinesis")
public class SourceSpec {
    /** The form of endpoint URLs in the CRD; the validator checks them fully. */
    public static final String HTTP_URL = "^https?://.+";
    /** The characters of a Kafka topic name; the validator also refuses . and .. as Kafka does. */
    public static final String KAFKA_TOPIC = "^[a-zA-Z0-9._-]+$";
    public static final int KAFKA_TOPIC_MAX_LENGTH = 249;

    @JsonPropertyDescription("Read a Kafka topic.")
    public KafkaSource kafka;

    @JsonPropertyDescription("Read a Kinesis stream.")
    public KinesisSource kinesis;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KafkaSource {
        @Required
        @JsonPropertyDescription("Comma-separated host:port list of the Kafka brokers.")
        public String bootstrapServers;

        @Required
        @Pattern(KAFKA_TOPIC)
        @Size(min = 1, max = KAFKA_TOPIC_MAX_LENGTH)
        @JsonPropertyDescription("The topic to read.")
        public String topic;

        @Default("earliest")
        @JsonPropertyDescription("Where a new job starts reading: earliest (the default) or latest.")
        public StartingOffsets startingOffsets;
    }

    public enum StartingOffsets { earliest, latest }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class KinesisSource {
        @Required
        @JsonPropertyDescription("The Kinesis stream to read.")
        public String stream;

        @Required
        @JsonPropertyDescription("The AWS region of the stream.")
        public String region;

        @Pattern(HTTP_URL)
        @JsonPropertyDescription("Endpoint override, for Kinesis-compatible servers: an http:// or https:// URL.")
        public String endpoint;

        @Default("TRIM_HORIZON")
        @JsonPropertyDescription("Where a new job starts reading: TRIM_HORIZON (the default) or LATEST.")
        public StartingPosition startingPosition;

        @JsonPropertyDescription("A Secret in the job's namespace with the AWS access key pair the runtime pods read,"
                + " write and keep their leases with (as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY). Absent: the"
                + " pods' AWS default provider chain, e.g. the web identity of their ServiceAccount (IRSA, Pod"
                + " Identity).")
        public CheckpointSpec.CredentialsSecret credentialsSecret;
    }

    public enum StartingPosition { TRIM_HORIZON, LATEST }
}

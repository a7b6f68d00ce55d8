package dev.weir.runtime.app;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.StreamsSettings;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Turns a job into the app's configuration, as system properties set before boot: which engine runs it
 * ({@value #ENGINE_PROPERTY}, from {@code spec.source}), and for the Kafka engine the Quarkus Kafka Streams settings.
 */
final class PodSettings {
    /** The pod's stable name (StatefulSet ordinal), set by the operator from the downward API. */
    static final String POD_NAME_ENV = "POD_NAME";
    /** {@value #KAFKA} or {@value #KINESIS}: what runs the job (docs/engines.md). */
    static final String ENGINE_PROPERTY = "weir.engine";
    static final String KAFKA = "kafka";
    static final String KINESIS = "kinesis";
    /** Quarkus' Kafka Streams health checks, off when no Kafka Streams runs (they would report it DOWN). */
    private static final List<String> KAFKA_STREAMS_CHECKS = List.of(
            "io.quarkus.kafka.streams.runtime.health.KafkaStreamsStateHealthCheck",
            "io.quarkus.kafka.streams.runtime.health.KafkaStreamsTopicsHealthCheck");

    private PodSettings() {}

    static void apply(StreamJob job) {
        if (job.getSpec().source.kinesis != null) {
            System.setProperty(ENGINE_PROPERTY, KINESIS);
            for (String check : KAFKA_STREAMS_CHECKS) {
                System.setProperty("quarkus.smallrye-health.check.\"" + check + "\".enabled", "false");
            }
            return;
        }
        System.setProperty(ENGINE_PROPERTY, KAFKA);
        String podName = System.getenv(POD_NAME_ENV);
        if (podName != null && !podName.isBlank()) {
            // static group membership: a restarted pod takes its partitions back without a rebalance
            System.setProperty("kafka-streams." + StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                    podName);
        }
        System.setProperty("quarkus.kafka-streams.application-id", ConsumerGroups.of(job));
        System.setProperty("quarkus.kafka-streams.bootstrap-servers", job.getSpec().source.kafka.bootstrapServers);
        System.setProperty("quarkus.kafka-streams.topics", job.getSpec().source.kafka.topic);
        for (Map.Entry<String, String> e : StreamsSettings.of(job).entrySet()) {
            System.setProperty("kafka-streams." + e.getKey(), e.getValue());
        }
    }
}

package dev.weir.runtime.app;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.StreamsSettings;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Turns a job into the Quarkus Kafka Streams configuration, as system properties set before boot. */
final class PodSettings {
    /** The pod's stable name (StatefulSet ordinal), set by the operator from the downward API. */
    static final String POD_NAME_ENV = "POD_NAME";

    private PodSettings() {}

    static void apply(StreamJob job) {
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

package dev.weir.runtime.app;

import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.StreamsSettings;
import java.util.Map;

/** Turns a job into the Quarkus Kafka Streams configuration, as system properties set before boot. */
final class PodSettings {
    private PodSettings() {}

    static void apply(StreamJob job) {
        System.setProperty("quarkus.kafka-streams.application-id", StreamsSettings.applicationId(job));
        System.setProperty("quarkus.kafka-streams.bootstrap-servers", job.getSpec().source.kafka.bootstrapServers);
        System.setProperty("quarkus.kafka-streams.topics", job.getSpec().source.kafka.topic);
        for (Map.Entry<String, String> e : StreamsSettings.of(job).entrySet()) {
            System.setProperty("kafka-streams." + e.getKey(), e.getValue());
        }
    }
}

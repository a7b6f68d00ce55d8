package dev.weir.runtime.kafka;

import dev.weir.api.ProcessingGuarantee;
import dev.weir.api.SourceSpec;
import dev.weir.api.StreamJob;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** The Kafka Streams settings a job's spec drives. */
public final class StreamsSettings {
    private StreamsSettings() {}

    /** Raw Kafka Streams keys (without Quarkus' {@code kafka-streams.} prefix). */
    public static Map<String, String> of(StreamJob job) {
        Map<String, String> p = new HashMap<>();
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                job.getSpec().processingGuaranteeOrDefault() == ProcessingGuarantee.exactly_once
                        ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        SourceSpec.StartingOffsets start = job.getSpec().source.kafka.startingOffsets;
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG),
                start == null ? "earliest" : start.name());
        return p;
    }
}

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
    /**
     * How long the broker may hold the restore consumer's fetch when no record is waiting (Kafka's default is 500 ms).
     * Once one changelog is restored to its end, the next fetch waits that long, and a task added meanwhile cannot be
     * fetched for before it returns: a restore of a short changelog tail took 0.5 s for that alone
     * (RestoreBenchmark, docs/benchmark.md).
     */
    public static final int RESTORE_FETCH_MAX_WAIT_MS = 100;

    private StreamsSettings() {}

    /**
     * Whether a Kafka Streams application's configs ({@code appConfigs()} of a processor's or a store's context) ask
     * for exactly-once; otherwise it runs at-least-once, Kafka Streams' default and the only other guarantee it takes.
     */
    public static boolean exactlyOnce(Map<String, Object> appConfigs) {
        Object guarantee = appConfigs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        return guarantee != null && guarantee.toString().startsWith("exactly_once");
    }

    /** Raw Kafka Streams keys (without Quarkus' {@code kafka-streams.} prefix). */
    public static Map<String, String> of(StreamJob job) {
        Map<String, String> p = new HashMap<>();
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                job.getSpec().processingGuaranteeOrDefault() == ProcessingGuarantee.exactly_once
                        ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        SourceSpec.StartingOffsets start = job.getSpec().source.kafka.startingOffsets;
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG),
                start == null ? "earliest" : start.name());
        p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                Integer.toString(RESTORE_FETCH_MAX_WAIT_MS));
        return p;
    }
}

package dev.weir.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The windows an application wrote to its sink, by (sensor, window start, window end), and how two sinks differ
 * window by window. The applications sum in different orders (Weir with a compensated sum), so averages are equal
 * when they agree to {@link #AVG_RELATIVE_TOLERANCE}; counts, minima and maxima must be equal exactly.
 */
final class SinkWindows {
    static final double AVG_RELATIVE_TOLERANCE = 1e-9;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

    record Window(String sensor, String start, String end) {}

    record Values(double avg, double min, double max, long readings) {
        boolean sameAs(Values other) {
            return readings == other.readings && min == other.min && max == other.max
                    && Math.abs(avg - other.avg) <= AVG_RELATIVE_TOLERANCE * Math.max(Math.abs(avg), Math.abs(other.avg));
        }
    }

    /**
     * @param missing   windows of the reference that the other sink lacks
     * @param extra     windows of the other sink that the reference lacks
     * @param different windows in both whose values differ
     * @param duplicates records of the other sink for a window it had already written (at-least-once may repeat)
     */
    record Difference(int compared, int missing, int extra, int different, int duplicates) {
        int mismatches() {
            return missing + extra + different;
        }

        @Override
        public String toString() {
            return mismatches() == 0 ? String.format("identical (%,d windows)", compared)
                    : String.format("%,d mismatches in %,d windows: %,d missing, %,d extra, %,d with other values",
                    mismatches(), compared, missing, extra, different);
        }
    }

    private final Map<Window, Values> windows;
    private final int duplicates;

    private SinkWindows(Map<Window, Values> windows, int duplicates) {
        this.windows = windows;
        this.duplicates = duplicates;
    }

    /** Reads the whole topic, up to the end offsets it has now. */
    static SinkWindows read(String bootstrapServers, List<TopicPartition> partitions) {
        Map<Window, Values> windows = new HashMap<>();
        int duplicates = 0;
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + partitions + " took over " + READ_TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    JsonNode json = parse(record.value());
                    Window window = new Window(json.get("sensor_id").asText(), json.get("window_start").asText(),
                            json.get("window_end").asText());
                    Values values = new Values(json.get("avg_c").asDouble(), json.get("min_c").asDouble(),
                            json.get("max_c").asDouble(), json.get("readings").asLong());
                    if (windows.put(window, values) != null) {
                        duplicates++;
                    }
                }
            }
        }
        return new SinkWindows(windows, duplicates);
    }

    /** How {@code other} differs from this sink, taken as the reference. */
    Difference compare(SinkWindows other) {
        int missing = 0;
        int different = 0;
        for (Map.Entry<Window, Values> e : windows.entrySet()) {
            Values theirs = other.windows.get(e.getKey());
            if (theirs == null) {
                missing++;
            } else if (!e.getValue().sameAs(theirs)) {
                different++;
            }
        }
        int extra = (int) other.windows.keySet().stream().filter(w -> !windows.containsKey(w)).count();
        return new Difference(windows.size(), missing, extra, different, other.duplicates);
    }

    private static JsonNode parse(byte[] value) {
        try {
            return HandWrittenSensorJob.MAPPER.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException("a sink record is not JSON", e);
        }
    }
}

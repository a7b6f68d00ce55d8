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
 * window by window: counts equal, and each double equal to {@link #RELATIVE_TOLERANCE}, for Weir writes doubles
 * with 15 significant digits (24.1944444444444 where Jackson writes 24.194444444444443) and the applications sum in
 * different orders (Weir with a compensated sum).
 */
final class SinkWindows {
    static final double RELATIVE_TOLERANCE = 1e-12;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

    record Window(String sensor, String start, String end) {}

    record Values(double avg, double min, double max, long readings) {
        boolean sameAs(Values other) {
            return readings == other.readings && close(avg, other.avg) && close(min, other.min)
                    && close(max, other.max);
        }

        private static boolean close(double a, double b) {
            return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
        }
    }

    /**
     * @param missing   windows of the reference that the other sink lacks
     * @param extra     windows of the other sink that the reference lacks
     * @param different windows in both whose values differ
     * @param duplicates records of the other sink for a window it had already written (at-least-once may repeat)
     * @param example   the first window that differs, with both values; empty when none does
     */
    record Difference(int compared, int missing, int extra, int different, int duplicates, String example) {
        int mismatches() {
            return missing + extra + different;
        }

        @Override
        public String toString() {
            return mismatches() == 0 ? String.format("identical (%,d windows)", compared)
                    : String.format("%,d mismatches in %,d windows: %,d missing, %,d extra, %,d with other values; "
                    + "the first: %s", mismatches(), compared, missing, extra, different, example);
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
        String example = "";
        for (Map.Entry<Window, Values> e : windows.entrySet()) {
            Values theirs = other.windows.get(e.getKey());
            if (theirs == null || !e.getValue().sameAs(theirs)) {
                if (example.isEmpty()) {
                    example = e.getKey() + " " + e.getValue() + " against " + theirs;
                }
                if (theirs == null) {
                    missing++;
                } else {
                    different++;
                }
            }
        }
        List<Window> extra = other.windows.keySet().stream().filter(w -> !windows.containsKey(w)).toList();
        if (example.isEmpty() && !extra.isEmpty()) {
            example = extra.get(0) + " only in the other: " + other.windows.get(extra.get(0));
        }
        return new Difference(windows.size(), missing, extra.size(), different, other.duplicates, example);
    }

    private static JsonNode parse(byte[] value) {
        try {
            return HandWrittenSensorJob.MAPPER.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException("a sink record is not JSON", e);
        }
    }
}

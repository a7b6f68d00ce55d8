package dev.weir.runtime.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark's input: sensor readings shaped like {@code examples/data/sensor-readings.jsonl}, written to a
 * topic once, and what the sensor example must make of them.
 *
 * <p>Readings come every {@link #SPACING} of event time from a random sensor, so each sensor reports about every
 * {@code sensors × SPACING} (every second with the default 1000 sensors). Each reading's time is pulled back by up to {@link #MAX_JITTER}, well within the
 * example's 30 s allowed lateness, so the input is slightly out of order but nothing is late. Readings go
 * round-robin to the partitions, which therefore advance evenly in event time. About 2% are a faulty sensor's
 * -60 °F, which the example's filter drops.
 *
 * <p>The spacing is short so that a partition read ahead of the others (by what one fetch brings, or when its
 * fetches come back first) is ahead by little event time: Kafka Streams' stream time, unlike Weir's watermark, would
 * drop the others' records as late, and the hand-written application would do less work than Weir.
 */
final class SensorReadings {
    static final Instant START = Instant.parse("2024-05-01T00:00:00Z");
    static final Duration SPACING = Duration.ofMillis(1);
    static final Duration MAX_JITTER = Duration.ofSeconds(10);
    /** The sensor example's window and lateness; the hand-written application uses the same. */
    static final Duration WINDOW = Duration.ofMinutes(10);
    static final Duration ALLOWED_LATENESS = Duration.ofSeconds(30);
    static final double FAULTY_READING = -60.0;
    private static final double FAULTY_SHARE = 0.02;
    private static final long SEED = 20240501L;

    /**
     * What was written and what a correct job makes of it.
     *
     * @param windows           distinct (sensor, 10-minute window) pairs among the readings the filter keeps
     * @param closedByWatermark of those, the windows the contract's watermark (the smallest over the partitions of
     *                          the largest event time read from each) closes once all input is read: what Weir
     *                          must have emitted when it has drained the input
     * @param closedByMaxTime   of those, the windows that close when the largest event time of all is the clock:
     *                          an upper bound for Kafka Streams' stream-time windows, which close per task
     */
    record Written(long events, long filtered, long bytes, Duration producing, long windows, long closedByWatermark,
                   long closedByMaxTime) {}

    private SensorReadings() {}

    static Written produce(String bootstrapServers, String topic, int partitions, long events, int sensors) {
        Random random = new Random(SEED);
        long[] partitionMax = new long[partitions];
        Arrays.fill(partitionMax, Long.MIN_VALUE);
        Set<Long> windows = new HashSet<>();
        long filtered = 0;
        long bytes = 0;
        AtomicReference<Exception> failure = new AtomicReference<>();
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 10,
                ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < events && failure.get() == null; i++) {
                int partition = (int) (i % partitions);
                int sensor = random.nextInt(sensors);
                long eventTime = START.toEpochMilli() + i * SPACING.toMillis()
                        - (long) (random.nextDouble() * MAX_JITTER.toMillis());
                boolean faulty = random.nextDouble() < FAULTY_SHARE;
                double temperature = faulty ? FAULTY_READING
                        : Math.round((50 + sensor % 40 + random.nextGaussian() * 3) * 10) / 10.0;
                partitionMax[partition] = Math.max(partitionMax[partition], eventTime);
                if (faulty) {
                    filtered++;
                } else {
                    windows.add(windowOf(sensor, eventTime));
                }
                byte[] value = json(sensor, eventTime, temperature);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing the input failed: " + failure.get(), failure.get());
        }
        Duration producing = Duration.ofNanos(System.nanoTime() - started);
        long watermark = Arrays.stream(partitionMax).min().orElseThrow();
        long maxTime = Arrays.stream(partitionMax).max().orElseThrow();
        return new Written(events, filtered, bytes, producing, windows.size(),
                closedBy(windows, watermark), closedBy(windows, maxTime));
    }

    static String sensorId(int sensor) {
        return String.format("sensor-%04d", sensor);
    }

    private static byte[] json(int sensor, long eventTime, double temperature) {
        return ("{\"sensor_id\":\"" + sensorId(sensor) + "\",\"event_time\":\"" + Instant.ofEpochMilli(eventTime)
                + "\",\"temperature\":" + temperature + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** A (sensor, window index) pair as one long; window indexes of these times are far below 2^40. */
    private static long windowOf(int sensor, long eventTime) {
        return ((long) sensor << 40) | Math.floorDiv(eventTime, WINDOW.toMillis());
    }

    private static long closedBy(Set<Long> windows, long clock) {
        long mask = (1L << 40) - 1;
        return windows.stream()
                .filter(w -> ((w & mask) + 1) * WINDOW.toMillis() + ALLOWED_LATENESS.toMillis() <= clock)
                .count();
    }
}

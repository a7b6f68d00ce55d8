package dev.weir.runtime.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The sensor example as a competent Kafka Streams user writes it by hand with the DSL: readings parsed with
 * Jackson into a record, event time from the reading, filter, map to (sensor, °C), repartition by sensor,
 * 10-minute tumbling windows with 30 s grace, a count/sum/min/max accumulator, and one final result per window
 * ({@code suppress(untilWindowCloses)}) as JSON.
 */
final class HandWrittenSensorJob implements BenchmarkedJob {
    static final String NAME = "hand-written";
    /** Names the repartition topic: {@code <application id>-by-sensor-repartition}. */
    private static final String BY_SENSOR = "by-sensor";
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    record Reading(String sensorId, String eventTime, double temperature) {}

    record WindowResult(String sensorId, String windowStart, String windowEnd, double avgC, double minC, double maxC,
                        long readings) {}

    /** The window accumulator; starts at ±infinity so that any reading becomes the first min and max. */
    record Stats(long count, double sum, double min, double max) {
        static final Stats EMPTY = new Stats(0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);

        Stats add(double value) {
            return new Stats(count + 1, sum + value, Math.min(min, value), Math.max(max, value));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Topology topology(String applicationId, String input, String sink, String deadLetter) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), json(Reading.class))
                        .withTimestampExtractor(eventTime()))
                .filter((key, reading) -> reading.temperature() > -50.0)
                .map((key, reading) -> KeyValue.pair(reading.sensorId(), (reading.temperature() - 32.0) * 5.0 / 9.0))
                .groupByKey(Grouped.with(BY_SENSOR, Serdes.String(), Serdes.Double()))
                .windowedBy(TimeWindows.ofSizeAndGrace(SensorReadings.WINDOW, SensorReadings.ALLOWED_LATENESS))
                .aggregate(() -> Stats.EMPTY, (sensor, celsius, stats) -> stats.add(celsius),
                        Materialized.<String, Stats, WindowStore<Bytes, byte[]>>as("sensor-stats")
                                .withKeySerde(Serdes.String()).withValueSerde(statsSerde()))
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("final-windows"))
                .toStream()
                .map((window, stats) -> KeyValue.pair(window.key(), new WindowResult(window.key(),
                        window.window().startTime().toString(), window.window().endTime().toString(),
                        stats.sum() / stats.count(), stats.min(), stats.max(), stats.count())))
                .to(sink, Produced.with(Serdes.String(), json(WindowResult.class)));
        return builder.build();
    }

    @Override
    public Map<String, Object> settings() {
        return Map.of(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class);
    }

    @Override
    public String repartitionTopic(String applicationId) {
        return applicationId + "-" + BY_SENSOR + "-repartition";
    }

    private static TimestampExtractor eventTime() {
        return (record, partitionTime) -> Instant.parse(((Reading) record.value()).eventTime()).toEpochMilli();
    }

    private static <T> Serde<T> json(Class<T> type) {
        return Serdes.serdeFrom((topic, value) -> {
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException(e);
            }
        }, (topic, bytes) -> {
            try {
                return MAPPER.readValue(bytes, type);
            } catch (IOException e) {
                throw new SerializationException(e);
            }
        });
    }

    private static Serde<Stats> statsSerde() {
        return Serdes.serdeFrom((topic, stats) -> ByteBuffer.allocate(32).putLong(stats.count())
                        .putDouble(stats.sum()).putDouble(stats.min()).putDouble(stats.max()).array(),
                (topic, bytes) -> {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    return new Stats(b.getLong(), b.getDouble(), b.getDouble(), b.getDouble());
                });
    }
}

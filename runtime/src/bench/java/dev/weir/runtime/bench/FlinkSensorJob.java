package dev.weir.runtime.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.AbstractDeserializationSchema;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The sensor example as a Flink user writes it with the DataStream API, on a local MiniCluster: a KafkaSource
 * reading the input from the earliest offset, event time from the reading with per-partition watermarks bounded by
 * the example's 30 s lateness ({@code WatermarkStrategy.forBoundedOutOfOrderness}), filter, map to (sensor, °C),
 * key by sensor, a 10-minute event-time tumbling window with a count/sum/min/max aggregate, late records to a side
 * output, and the window results as JSON to a KafkaSink, all at least once.
 *
 * <p>The example's {@code allowedLateness: 30s} is the watermark's bound here, not Flink's window
 * {@code allowedLateness}: Weir closes a window once the watermark (the least of the partitions' largest event
 * times) passes its end by the lateness and emits it once; Flink's watermark is that minus the bound, so its window
 * fires at the same point, and a Flink allowed lateness on top would fire a window again for each late record.
 *
 * <p>The runner cannot time it by committed offsets as it does the others: the source commits the offsets of a
 * completed checkpoint from its fetcher thread, which, once the input is read, sits in a 10 s poll, so the last
 * commit came up to 10 s after the last record had been processed. It counts the records the window has aggregated
 * or set aside as late instead ({@link #processed()}), and, as the point where that progress is durable (what a
 * Kafka Streams application's committed offsets are), how many of them the last completed checkpoint holds
 * ({@link #checkpointed()}).
 */
final class FlinkSensorJob {
    static final String NAME = "flink";
    private static final OutputTag<Tuple2<String, Double>> LATE =
            new OutputTag<>("late", Types.TUPLE(Types.STRING, Types.DOUBLE));

    /** The benchmark's instrument: one uncontended increment per record; the MiniCluster runs in this JVM. */
    private static final AtomicLong PROCESSED = new AtomicLong();
    /** {@link #PROCESSED} when the window's task took each checkpoint's snapshot, by checkpoint id. */
    private static final Map<Long, Long> PROCESSED_AT_SNAPSHOT = new ConcurrentHashMap<>();
    /** The most records a completed checkpoint holds. */
    private static final AtomicLong CHECKPOINTED = new AtomicLong();

    private final int parallelism;
    private final long checkpointIntervalMs;
    private final int partitionFetchBytes;

    FlinkSensorJob(int parallelism, long checkpointIntervalMs, int partitionFetchBytes) {
        this.parallelism = parallelism;
        this.checkpointIntervalMs = checkpointIntervalMs;
        this.partitionFetchBytes = partitionFetchBytes;
    }

    /**
     * Submits the job to a MiniCluster of its own. Its consumer group is {@code applicationId}, and its Kafka clients'
     * ids start with it, so that their threads count as the application's in {@link CpuSplit}.
     */
    JobClient start(String bootstrapServers, String applicationId, String input, String sink, String deadLetter)
            throws Exception {
        PROCESSED.set(0);
        PROCESSED_AT_SNAPSHOT.clear();
        CHECKPOINTED.set(0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism,
                new Configuration());
        env.enableCheckpointing(checkpointIntervalMs, CheckpointingMode.AT_LEAST_ONCE);

        KafkaSource<Tuple3<String, Long, Double>> source = KafkaSource.<Tuple3<String, Long, Double>>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(input)
                .setGroupId(applicationId)
                .setClientIdPrefix(applicationId)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(partitionFetchBytes))
                .setValueOnlyDeserializer(new ReadingSchema())
                .build();
        WatermarkStrategy<Tuple3<String, Long, Double>> eventTime = WatermarkStrategy
                .<Tuple3<String, Long, Double>>forBoundedOutOfOrderness(SensorReadings.ALLOWED_LATENESS)
                .withTimestampAssigner((reading, kafkaTimestamp) -> reading.f1);

        SingleOutputStreamOperator<String> windows = env.fromSource(source, eventTime, applicationId + "-source")
                .filter(reading -> reading.f2 > -50.0)
                .map(reading -> Tuple2.of(reading.f0, (reading.f2 - 32.0) * 5.0 / 9.0))
                .returns(Types.TUPLE(Types.STRING, Types.DOUBLE))
                .keyBy(sensorCelsius -> sensorCelsius.f0)
                .window(TumblingEventTimeWindows.of(SensorReadings.WINDOW))
                .sideOutputLateData(LATE)
                .aggregate(new Stats(), new WindowResult());
        windows.sinkTo(kafkaSink(bootstrapServers, applicationId + "-sink", sink)).name("windows");
        windows.getSideOutput(LATE).map(new LateRecords())
                .sinkTo(kafkaSink(bootstrapServers, applicationId + "-dead-letter", deadLetter)).name("late");
        return env.executeAsync(applicationId);
    }

    /** Records of the job started last that the window has aggregated or set aside as late. */
    static long processed() {
        return PROCESSED.get();
    }

    /**
     * Records of the job started last that a completed checkpoint holds: aggregated or set aside as late before the
     * window's task took that checkpoint's snapshot. Sinks flush at the snapshot and the source's offsets are in it,
     * so a restart after it would not read them again.
     */
    static long checkpointed() {
        return CHECKPOINTED.get();
    }

    /**
     * Late records as text for their sink, counted; also the job's checkpoint instrument. It runs in the window's
     * task (chained to the window operator, parallelism 1), so its snapshot sees exactly the records the window took
     * before the checkpoint's barrier.
     */
    private static final class LateRecords extends RichMapFunction<Tuple2<String, Double>, String>
            implements CheckpointedFunction, CheckpointListener {
        @Override
        public String map(Tuple2<String, Double> late) {
            PROCESSED.incrementAndGet();
            return late.f0 + "," + late.f1;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            PROCESSED_AT_SNAPSHOT.put(context.getCheckpointId(), PROCESSED.get());
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {
            // nothing to restore: the benchmark's instrument keeps no state of the job
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            Long held = PROCESSED_AT_SNAPSHOT.get(checkpointId);
            if (held != null) {
                CHECKPOINTED.accumulateAndGet(held, Math::max);
            }
        }
    }

    private static KafkaSink<String> kafkaSink(String bootstrapServers, String clientId, String topic) {
        return KafkaSink.<String>builder()
                .setBootstrapServers(bootstrapServers)
                .setProperty(ProducerConfig.CLIENT_ID_CONFIG, clientId)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(KafkaRecordSerializationSchema.<String>builder().setTopic(topic)
                        .setValueSerializationSchema(new SimpleStringSchema()).build())
                .build();
    }

    /** A reading as (sensor, event time in ms, °F); input that does not parse is skipped, as LogAndContinue does. */
    private static final class ReadingSchema extends AbstractDeserializationSchema<Tuple3<String, Long, Double>> {
        ReadingSchema() {
            super(new TypeHint<>() {});
        }

        @Override
        public Tuple3<String, Long, Double> deserialize(byte[] message) throws IOException {
            try {
                HandWrittenSensorJob.Reading reading = HandWrittenSensorJob.MAPPER.readValue(message,
                        HandWrittenSensorJob.Reading.class);
                return Tuple3.of(reading.sensorId(), Instant.parse(reading.eventTime()).toEpochMilli(),
                        reading.temperature());
            } catch (JsonProcessingException | DateTimeParseException | NullPointerException e) {
                return null;
            }
        }
    }

    /** Count, sum, min and max of the °C values; min and max start at ±infinity so any value replaces them. */
    private static final class Stats implements AggregateFunction<Tuple2<String, Double>,
            Tuple4<Long, Double, Double, Double>, Tuple4<Long, Double, Double, Double>> {
        @Override
        public Tuple4<Long, Double, Double, Double> createAccumulator() {
            return Tuple4.of(0L, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
        }

        @Override
        public Tuple4<Long, Double, Double, Double> add(Tuple2<String, Double> value,
                                                        Tuple4<Long, Double, Double, Double> acc) {
            PROCESSED.incrementAndGet();
            return Tuple4.of(acc.f0 + 1, acc.f1 + value.f1, Math.min(acc.f2, value.f1), Math.max(acc.f3, value.f1));
        }

        @Override
        public Tuple4<Long, Double, Double, Double> getResult(Tuple4<Long, Double, Double, Double> acc) {
            return acc;
        }

        @Override
        public Tuple4<Long, Double, Double, Double> merge(Tuple4<Long, Double, Double, Double> a,
                                                          Tuple4<Long, Double, Double, Double> b) {
            return Tuple4.of(a.f0 + b.f0, a.f1 + b.f1, Math.min(a.f2, b.f2), Math.max(a.f3, b.f3));
        }
    }

    /** The window's result as the JSON the other applications write. */
    private static final class WindowResult extends ProcessWindowFunction<Tuple4<Long, Double, Double, Double>,
            String, String, TimeWindow> {
        @Override
        public void process(String sensor, Context context, Iterable<Tuple4<Long, Double, Double, Double>> results,
                            Collector<String> out) throws JsonProcessingException {
            Tuple4<Long, Double, Double, Double> stats = results.iterator().next();
            TimeWindow window = context.window();
            out.collect(HandWrittenSensorJob.MAPPER.writeValueAsString(new HandWrittenSensorJob.WindowResult(sensor,
                    Instant.ofEpochMilli(window.getStart()).toString(), Instant.ofEpochMilli(window.getEnd()).toString(),
                    stats.f1 / stats.f0, stats.f2, stats.f3, stats.f0)));
        }
    }
}

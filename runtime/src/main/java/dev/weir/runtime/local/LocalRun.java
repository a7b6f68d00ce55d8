package dev.weir.runtime.local;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.kafka.JobTopics;
import dev.weir.runtime.kafka.StreamsSettings;
import dev.weir.runtime.kafka.StreamsTopology;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.tracing.JobTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code weir run JOB --input FILE}: an embedded broker, the job's topics with one partition each
 * (so the file's order is the arrival order), the file replayed into the source, the job run to
 * the end of input, and every sink and dead-letter record written out.
 */
public final class LocalRun {
    /** Give up when neither output grows nor input drains for this long. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    private final StreamJob job;
    private final Path input;
    private final Path output;
    private final Path deadLetter;
    private final Path traces;
    private final PrintStream err;

    /** @param traces where to write spans as JSON lines, or null not to trace */
    public LocalRun(StreamJob job, Path input, Path output, Path deadLetter, Path traces, PrintStream err) {
        this.job = job;
        this.input = input;
        this.output = output;
        this.deadLetter = deadLetter;
        this.traces = traces;
        this.err = err;
    }

    /** @return the process exit code */
    public int run() throws IOException {
        silenceKafkaInternals();
        JobTopics topics = JobTopics.of(job.getSpec());
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        Path stateDir = Files.createTempDirectory("weir-state");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry);
        // closed after the job, so that it exports the spans of the last windows
        try (JobTracing tracing = traces == null ? null : JobTracing.toFile(job, traces);
             EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (String topic : List.of(topics.source(), topics.sink(), topics.deadLetter())) {
                kafka.createTopic(topic, 1);
            }
            Properties props = new Properties();
            props.putAll(StreamsSettings.of(job));
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, ConsumerGroups.of(job));
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            var topology = StreamsTopology.build(compiled, topics, 1,
                    tracing == null ? metrics : metrics.andThen(tracing.listener()),
                    StreamsTopology.DEFAULT_PROGRESS_INTERVAL, null);
            try (KafkaStreams streams = new KafkaStreams(topology, props)) {
                streams.start();
                long lines = produce(kafka.bootstrapServers(), topics.source());
                err.printf("weir run: %d input lines sent to %s%n", lines, topics.source());
                int code = collect(kafka.bootstrapServers(), topics, streams);
                err.println("weir run: " + metrics.summary());
                return code;
            }
        } finally {
            deleteTree(stateDir);
        }
    }

    /** Warnings of the embedded broker and of Kafka Streams are about internals the user does not manage here. */
    private static void silenceKafkaInternals() {
        for (String category : BrokerLogging.BROKER_CATEGORIES) {
            java.util.logging.Logger.getLogger(category).setLevel(java.util.logging.Level.SEVERE);
        }
        java.util.logging.Logger.getLogger("org.apache.kafka").setLevel(java.util.logging.Level.SEVERE);
    }

    private long produce(String bootstrap, String topic) throws IOException {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ACKS_CONFIG, "all");
        long count = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
             BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                producer.send(new ProducerRecord<>(topic, line.getBytes(StandardCharsets.UTF_8)));
                count++;
            }
            producer.send(new ProducerRecord<>(topic, 0, null, null, new byte[0], EndOfInput.headers()));
        }
        return count;
    }

    private int collect(String bootstrap, JobTopics topics, KafkaStreams streams) throws IOException {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.GROUP_ID_CONFIG, ConsumerGroups.of(job) + "-reader");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Writer sinkOut = writer(output);
             Writer deadOut = deadLetter == null ? Writer.nullWriter() : writer(deadLetter)) {
            consumer.subscribe(List.of(topics.sink(), topics.deadLetter()));
            boolean sinkEnded = false;
            boolean deadEnded = false;
            long lastProgress = System.nanoTime();
            while (!(sinkEnded && deadEnded)) {
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    err.println("weir run: the job stopped (" + streams.state() + "); see the log above");
                    return 1;
                }
                if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                    err.println("weir run: no progress for " + STALL_TIMEOUT.toSeconds() + "s; giving up");
                    return 1;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    lastProgress = System.nanoTime();
                    boolean toSink = r.topic().equals(topics.sink());
                    if (EndOfInput.isMarked(r.headers())) {
                        sinkEnded |= toSink;
                        deadEnded |= !toSink;
                        continue;
                    }
                    Writer w = toSink ? sinkOut : deadOut;
                    w.write(new String(r.value(), StandardCharsets.UTF_8));
                    w.write('\n');
                }
            }
            sinkOut.flush();
            deadOut.flush();
            return 0;
        }
    }

    private static Writer writer(Path path) throws IOException {
        if (path == null) {
            return new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }
        return Files.newBufferedWriter(path, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

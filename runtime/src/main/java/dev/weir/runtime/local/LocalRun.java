package dev.weir.runtime.local;

import dev.weir.checkpoint.LocalFiles;
import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.kafka.JobTopics;
import dev.weir.runtime.kafka.RecordSizes;
import dev.weir.runtime.kafka.StreamsSettings;
import dev.weir.runtime.kafka.StreamsTopology;
import dev.weir.runtime.kafka.TruncatedInput;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.tracing.JobTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * {@code weir run JOB --input FILE}: an embedded broker, the job's topics with one partition each
 * (so the file's order is the arrival order), the file replayed into the source, the job run to
 * the end of input, and every sink and dead-letter record written out.
 *
 * <p>Every line of the input is one record, blank ones too, so a record's offset is its line number − 1.
 * A line larger than a Kafka record may be goes in as its first bytes, marked with its size
 * ({@link TruncatedInput}), and comes out as a {@code too_large} dead letter.
 */
public final class LocalRun {
    /** Give up when neither output grows nor input drains for this long. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
    /** {@code --input -}: read the records from standard input. */
    public static final Path STANDARD_INPUT = Path.of("-");
    private static final Duration CLOSE_ON_EXIT_TIMEOUT = Duration.ofSeconds(10);

    private final StreamJob job;
    private final Path input;
    private final Path output;
    private final Path deadLetter;
    private final Path traces;
    private final PrintStream err;
    private Runnable inputLoaded;

    /** @param traces where to write spans as JSON lines, or null not to trace */
    public LocalRun(StreamJob job, Path input, Path output, Path deadLetter, Path traces, PrintStream err) {
        this.job = job;
        this.input = input;
        this.output = output;
        this.deadLetter = deadLetter;
        this.traces = traces;
        this.err = err;
    }

    /**
     * Puts the whole input in the source topic before the job starts, and calls {@code loaded} in between: a benchmark
     * then measures the job's own work apart from loading its input. Without it (as {@code weir run} runs), the job
     * starts first and reads while the input is sent.
     */
    public LocalRun inputFirst(Runnable loaded) {
        this.inputLoaded = loaded;
        return this;
    }

    /** @return the process exit code */
    public int run() throws IOException {
        silenceKafkaInternals();
        JobTopics topics = JobTopics.of(job.getSpec());
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        Path stateDir = Files.createTempDirectory("weir-state");
        AtomicReference<KafkaStreams> running = new AtomicReference<>();
        // Ctrl-C and SIGTERM run shutdown hooks, not finally blocks (the broker closes itself from its own)
        Thread cleanUpOnExit = new Thread(() -> {
            KafkaStreams streams = running.get();
            if (streams != null) {
                streams.close(CLOSE_ON_EXIT_TIMEOUT);
            }
            deleteTree(stateDir);
        }, "weir-run-clean-up");
        Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
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
                running.set(streams);
                long lines;
                if (inputLoaded != null) {
                    lines = produce(kafka.bootstrapServers(), topics.source());
                    inputLoaded.run();
                    streams.start();
                } else {
                    streams.start();
                    lines = produce(kafka.bootstrapServers(), topics.source());
                }
                err.printf("weir run: %d input lines sent to %s%n", lines, topics.source());
                int code = collect(kafka.bootstrapServers(), topics, streams);
                for (String line : metrics.summary(compiled.window() != null)) {
                    err.println("weir run: " + line);
                }
                return code;
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
            } catch (IllegalStateException exiting) {
                // the JVM is exiting: the hook does the clean-up
            }
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
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, RecordSizes.DEFAULT.maxRecordBytes());
        int wholeLineLimit = RecordSizes.DEFAULT.valueBudget(null);
        AtomicReference<IOException> failure = new AtomicReference<>();
        long count = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
             InputStream in = input.equals(STANDARD_INPUT) ? System.in : Files.newInputStream(input)) {
            InputLines lines = new InputLines(in, wholeLineLimit);
            for (InputLines.Line line = lines.next(); line != null; line = lines.next()) {
                count++;
                ProducerRecord<byte[], byte[]> record;
                if (line.whole()) {
                    record = new ProducerRecord<>(topic, 0, null, null, line.bytes());
                } else {
                    Headers marked = TruncatedInput.headers(line.size());
                    byte[] prefix = Arrays.copyOf(line.bytes(), RecordSizes.DEFAULT.valueBudget(null, marked));
                    record = new ProducerRecord<>(topic, 0, null, null, prefix, marked);
                }
                send(producer, record, "line " + count, failure);
            }
            send(producer, new ProducerRecord<>(topic, 0, null, null, new byte[0], EndOfInput.headers()),
                    "the end of the input", failure);
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return count;
    }

    /** Every send is checked: a record the broker did not take must stop the run, not vanish. */
    private static void send(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record,
                             String what, AtomicReference<IOException> failure) throws IOException {
        if (failure.get() != null) {
            throw failure.get();
        }
        producer.send(record, (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, new IOException(what + " of the input could not be sent to the"
                        + " embedded broker: " + e.getMessage(), e));
            }
        });
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
            long deadLetters = 0;
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
                    deadLetters += toSink ? 0 : 1;
                    Writer w = toSink ? sinkOut : deadOut;
                    w.write(new String(r.value(), StandardCharsets.UTF_8));
                    w.write('\n');
                }
            }
            sinkOut.flush();
            deadOut.flush();
            if (deadLetter == null && deadLetters > 0) {
                err.printf("weir run: %d dead letters discarded; keep them with --dead-letter FILE%n", deadLetters);
            }
            return 0;
        }
    }

    static Writer writer(Path path) throws IOException {
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

    static void deleteTree(Path root) {
        try {
            LocalFiles.deleteTree(root);
        } catch (IOException e) {
            // a folder Kafka Streams is still writing into; the temporary folder's owner will see it
            System.err.println("weir run: could not delete " + root + ": " + e.getMessage());
        }
    }
}

package dev.weir.runtime.bench;

import dev.weir.runtime.local.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Weir against a hand-written Kafka Streams application and Apache Flink on the sensor example, in one JVM with one
 * embedded broker and one input written once: (c) a plain consumer's read rate of the input as the ceiling, then
 * (a) Weir, (b) the hand-written application and (d) Flink in turn, each run with a fresh application id and state,
 * and the sinks of (b) and (d) compared window by window with Weir's of the same round. Then Weir with more stream
 * threads. Prints every run, the best of each, their ratios, heap and resident memory. See docs/benchmark.md.
 *
 * <p>Settings are system properties: {@code bench.events}, {@code bench.sensors}, {@code bench.rounds},
 * {@code bench.warm-up-events}, {@code bench.commit-interval-ms}, {@code bench.partition-fetch-bytes},
 * {@code bench.job} (the sensor example's file), {@code bench.state-dir} (where the applications keep their state
 * while they run), {@code bench.jfr} (a directory to record each run into with Java Flight Recorder; empty: none),
 * {@code bench.scaling} (stream thread counts Weir runs with once each after the rounds; empty: none).
 */
public final class ThroughputBenchmark {
    /** Issue 15's targets: events/s and CPU per event against the hand-written application, events/s against Flink. */
    static final double HAND_WRITTEN_TARGET = 2.0;
    static final double HAND_WRITTEN_CPU_TARGET = 0.6;
    static final double FLINK_TARGET = 1.0;
    static final int PARTITIONS = 4;
    static final String INPUT = "bench-sensor-readings";
    static final String WARM_UP_INPUT = "bench-warm-up-readings";
    /** Below this share of the input dropped as late, a hand-written run counts as having done the same work. */
    private static final double NEGLIGIBLE_DROPS = 0.01;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    /** How long Weir may take after draining to emit the windows the last progress reports close. */
    private static final Duration LAST_WINDOWS_TIMEOUT = Duration.ofSeconds(10);
    private static final long MIB = 1024 * 1024;
    /** java.util.logging holds loggers weakly: one collected would forget its level. */
    private static final List<Logger> QUIETED = new ArrayList<>();

    /**
     * @param partitionFetchBytes both applications' main consumers' {@code max.partition.fetch.bytes}: how far one
     *                            partition can get ahead of the others at the start (see {@link SensorReadings})
     */
    /**
     * @param tracing       sample ratios at which Weir also runs traced (docs/tracing.md), each against Weir untraced
     * @param scaling       stream thread counts Weir runs with, once each, after the rounds
     */
    record Settings(long events, int sensors, int rounds, long warmUpEvents, long commitIntervalMs,
                    int partitionFetchBytes, Path job, Path stateDir, Path jfr, List<Double> tracing,
                    List<Integer> scaling) {
        static Settings fromSystemProperties() {
            String jfr = System.getProperty("bench.jfr", "");
            String tracing = System.getProperty("bench.tracing", "");
            String scaling = System.getProperty("bench.scaling", "1,2,4");
            return new Settings(Long.getLong("bench.events", 1_000_000), Integer.getInteger("bench.sensors", 1000),
                    Integer.getInteger("bench.rounds", 3), Long.getLong("bench.warm-up-events", 200_000),
                    Long.getLong("bench.commit-interval-ms", 100),
                    Integer.getInteger("bench.partition-fetch-bytes", 64 * 1024),
                    Path.of(System.getProperty("bench.job", "examples/sensor-aggregates.yaml")),
                    Path.of(System.getProperty("bench.state-dir", "target/bench-state")),
                    jfr.isBlank() ? null : Path.of(jfr),
                    tracing.isBlank() ? List.of() : Stream.of(tracing.split(",")).map(Double::valueOf).toList(),
                    scaling.isBlank() ? List.of() : Stream.of(scaling.split(",")).map(String::trim)
                            .map(Integer::valueOf).toList());
        }
    }

    /**
     * One run of one application; bytes are what it sent to and fetched from the broker (-1: not measured, for
     * Flink), {@code threads} its stream threads or Flink's parallelism; {@code processed} when its window had taken
     * (or dead-lettered) every record the filter keeps (null: not known, for the hand-written application),
     * {@code elapsed} when it had committed the end offsets (for Flink: {@code processed}, see
     * {@link FlinkSensorJob}).
     */
    record Run(String job, String label, int threads, long events, double eventsPerSecond, Duration processed,
               Duration elapsed, Duration startup, CpuSplit.Split cpu, HeapSampler.Heap heap, long bytesSent,
               long bytesFetched, String sink, long sinkRecords, long deadLetters, long droppedRecords,
               String summary, Duration atEndOffsets) {

        double streamThreadMicrosPerEvent() {
            return cpu.streamThread() * 1e6 / events;
        }
    }

    private final Settings settings;
    private final EmbeddedKafka kafka;
    private final Admin admin;
    private final Drained drained;
    private final PrintStream out;
    private final List<String> failedChecks = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    /** Per application compared with Weir, the comparison of each round's sink with Weir's of the same round. */
    private final Map<String, List<SinkWindows.Difference>> sinkDifferences = new LinkedHashMap<>();

    private ThroughputBenchmark(Settings settings, EmbeddedKafka kafka, Admin admin, PrintStream out) {
        this.settings = settings;
        this.kafka = kafka;
        this.admin = admin;
        this.drained = new Drained(admin);
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromSystemProperties();
        quietKafkaLogs();
        int code;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            code = new ThroughputBenchmark(settings, kafka, admin, System.out).run();
        }
        System.exit(code);
    }

    private int run() throws Exception {
        out.printf("Weir throughput benchmark: the sensor example, %,d events from %,d sensors, %d input partitions, "
                        + "%d rounds%n", settings.events(), settings.sensors(), PARTITIONS, settings.rounds());
        out.printf("JVM: heap cap %d MiB (%s), %d CPUs, Java %s; broker, generator and applications share it%n",
                HeapSampler.heapCap() / MIB, heapFlag(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        out.printf("machine load average (1 min) at the start: %.1f%n", loadAverage());
        out.printf("Kafka Streams applications: at_least_once, 1 stream thread, commit.interval.ms=%d, "
                + "max.partition.fetch.bytes=%d, other settings default%n", settings.commitIntervalMs(),
                settings.partitionFetchBytes());
        out.printf("Flink %s: local MiniCluster, parallelism 1, at-least-once checkpoints (committing offsets) every "
                        + "%d ms, timed until a completed checkpoint holds every record, max.partition.fetch.bytes=%d, other settings default%n",
                EnvironmentInformation.getVersion(), settings.commitIntervalMs(), settings.partitionFetchBytes());

        SensorReadings.Written warmUpInput = write(WARM_UP_INPUT, settings.warmUpEvents());
        SensorReadings.Written input = write(INPUT, settings.events());
        out.printf("input: %,d readings (%,d filtered out by the job), %.1f MB, written in %.1f s; %,d windows, "
                        + "%,d of them closed by the watermark at the end%n", input.events(), input.filtered(),
                input.bytes() / 1e6, seconds(input.producing()), input.windows(), input.closedByWatermark());
        out.printf("heap after a full GC with only the broker: %d MiB%n%n", HeapSampler.liveAfterFullGc() / MIB);

        List<BenchmarkedJob> jobs = new ArrayList<>(List.of(new WeirSensorJob(settings.job(), PARTITIONS, null)));
        settings.tracing().forEach(ratio -> jobs.add(new WeirSensorJob(settings.job(), PARTITIONS, ratio)));
        jobs.add(new HandWrittenSensorJob());
        FlinkSensorJob flink = new FlinkSensorJob(1, settings.commitIntervalMs(), settings.partitionFetchBytes());
        out.printf("warm-up (not counted): each application once on %,d other readings%n", warmUpInput.events());
        for (BenchmarkedJob job : jobs) {
            printRun(run(job, "warm-up", WARM_UP_INPUT, warmUpInput, 1));
        }
        printRun(run(flink, "warm-up", WARM_UP_INPUT, warmUpInput));
        List<Double> ceilings = new ArrayList<>(ceiling());
        List<Run> runs = new ArrayList<>();
        for (int round = 1; round <= settings.rounds(); round++) {
            List<Run> roundRuns = new ArrayList<>();
            for (BenchmarkedJob job : jobs) {
                roundRuns.add(run(job, "round " + round, INPUT, input, 1));
                printRun(roundRuns.get(roundRuns.size() - 1));
            }
            roundRuns.add(run(flink, "round " + round, INPUT, input));
            printRun(roundRuns.get(roundRuns.size() - 1));
            compareSinks(roundRuns);
            runs.addAll(roundRuns);
        }
        List<Run> scaling = new ArrayList<>();
        for (int threads : settings.scaling()) {
            scaling.add(run(jobs.get(0), "threads " + threads, INPUT, input, threads));
            printRun(scaling.get(scaling.size() - 1));
        }
        ceilings.addAll(ceiling());
        out.printf("machine load average (1 min) at the end: %.1f%n%n", loadAverage());
        report(runs, ceilings, scaling);
        return failedChecks.isEmpty() ? 0 : 1;
    }

    private SensorReadings.Written write(String topic, long events) {
        createTopic(topic);
        return SensorReadings.produce(kafka.bootstrapServers(), topic, PARTITIONS, events, settings.sensors());
    }

    private void createTopic(String topic) {
        kafka.createTopic(topic, PARTITIONS);
    }

    /**
     * A sink's records carry their window's event time, in 2024: the broker's 7-day retention would delete them
     * before the sinks are compared.
     */
    private void createSinkTopic(String topic) throws Exception {
        createTopic(topic);
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
                        List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"),
                                AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
    }

    /**
     * (c) A plain consumer reads the whole input topic, without a group and with the applications' fetch size: the
     * rate nothing on this broker beats. Three reads, for the read takes well under a second.
     */
    private List<Double> ceiling() {
        List<TopicPartition> partitions = partitions(INPUT);
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, settings.partitionFetchBytes());
        List<Double> rates = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (int read = 0; read < 3; read++) {
                long started = System.nanoTime();
                consumer.seekToBeginning(partitions);
                long records = 0;
                long deadline = started + RUN_TIMEOUT.toNanos();
                while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("a plain consumer did not read the input within " + RUN_TIMEOUT);
                    }
                    records += consumer.poll(Duration.ofMillis(100)).count();
                }
                rates.add(records / seconds(Duration.ofNanos(System.nanoTime() - started)));
            }
        }
        out.printf("ceiling      plain KafkaConsumer: %s events/s%n%n", list(rates));
        return rates;
    }

    private Run run(BenchmarkedJob job, String label, String inputTopic, SensorReadings.Written input, int threads)
            throws Exception {
        String applicationId = "bench-" + job.name() + "-" + label.replace(' ', '-');
        String sink = applicationId + "-sink";
        String deadLetter = applicationId + "-dead-letter";
        createSinkTopic(sink);
        createTopic(deadLetter);
        Files.createDirectories(settings.stateDir());
        Path stateDir = Files.createTempDirectory(settings.stateDir(), applicationId + "-");
        Properties props = new Properties();
        props.putAll(job.settings());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitIntervalMs());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                settings.partitionFetchBytes());
        List<TopicPartition> drainedWhen = Stream.concat(partitions(inputTopic).stream(),
                partitions(job.repartitionTopic(applicationId)).stream()).toList();

        var topology = job.topology(applicationId, inputTopic, sink, deadLetter);
        HeapSampler.liveAfterFullGc();
        Recording recording = startRecording();
        CpuSplit cpu = CpuSplit.start();
        HeapSampler heap = HeapSampler.start();
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            AtomicLong runningAt = new AtomicLong();
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    runningAt.compareAndSet(0, System.nanoTime());
                }
            });
            long started = System.nanoTime();
            streams.start();
            Long processedAt = job instanceof WeirSensorJob weir
                    ? awaitProcessed(weir::processed, input.events() - input.filtered(), () -> stopped(streams))
                    : null;
            // Weir: every record its window has taken committed, in the input and the keyed topic; the progress
            // reports its source tasks go on sending every second carry no input and are left out
            long drainedAt = processedAt == null ? drained.await(applicationId, drainedWhen, streams, RUN_TIMEOUT)
                    : drained.await(applicationId, drained.endOffsets(drainedWhen), streams, RUN_TIMEOUT);
            HeapSampler.Heap heapUse = heap.stop();
            CpuSplit.Split cpuUse = cpu.stop(applicationId, CpuSplit.streamThreads(applicationId));
            stopRecording(recording, applicationId);
            long dropped = (long) sumMetric(streams, "stream-task-metrics", "dropped-records-total");
            long sent = (long) sumMetric(streams, "producer-metrics", "outgoing-byte-total");
            long fetched = (long) sumMetric(streams, "consumer-metrics", "incoming-byte-total");

            // the criterion before 2026-12-07: the topics' end offsets, with the progress reports sent since
            Duration atEndOffsets = processedAt == null ? null : Duration.ofNanos(
                    drained.await(applicationId, drainedWhen, streams, RUN_TIMEOUT) - started);
            Duration elapsed = Duration.ofNanos(drainedAt - started);
            Duration startup = Duration.ofNanos(Math.max(0, runningAt.get() - started));
            long sinkRecords = job instanceof WeirSensorJob ? awaitWindows(sink, input.closedByWatermark())
                    : records(sink);
            Run run = new Run(job.name(), label, threads, input.events(), input.events() / seconds(elapsed),
                    processedAt == null ? null : Duration.ofNanos(processedAt - started), elapsed,
                    startup, cpuUse, heapUse, sent, fetched, sink, sinkRecords, records(deadLetter), dropped,
                    job.summary(), atEndOffsets);
            check(run, job instanceof WeirSensorJob, input);
            streams.close(Duration.ofSeconds(30));
            return run;
        } finally {
            heap.close();
            Utils.delete(stateDir.toFile());
        }
    }

    /**
     * Weir's window tasks learn the final watermark from the progress reports that follow the last records, which
     * may come after the offsets show the input drained; the windows they close are then still to come.
     */
    private long awaitWindows(String sink, long expected) {
        AtomicLong emitted = new AtomicLong();
        try {
            Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Drained.POLL_INTERVAL).atMost(LAST_WINDOWS_TIMEOUT)
                    .until(() -> {
                        emitted.set(records(sink));
                        return emitted.get() >= expected;
                    });
        } catch (ConditionTimeoutException e) {
            // fewer windows than expected: check() reports it
        }
        return emitted.get();
    }

    /**
     * (d) Flink: the job submitted to a MiniCluster of its own, timed from submission until a completed checkpoint
     * holds every record the filter keeps, as the Kafka Streams applications are timed until their committed offsets
     * do; also until its window has taken them, as Weir is (see {@link FlinkSensorJob}). Then its windows are
     * awaited like Weir's (its watermark closes the same ones).
     */
    private Run run(FlinkSensorJob job, String label, String inputTopic, SensorReadings.Written input)
            throws Exception {
        String applicationId = "bench-" + FlinkSensorJob.NAME + "-" + label.replace(' ', '-');
        String sink = applicationId + "-sink";
        String deadLetter = applicationId + "-dead-letter";
        createSinkTopic(sink);
        createTopic(deadLetter);
        HeapSampler.liveAfterFullGc();
        Recording recording = startRecording();
        CpuSplit cpu = CpuSplit.start();
        HeapSampler heap = HeapSampler.start();
        JobClient client = null;
        try {
            long started = System.nanoTime();
            client = job.start(kafka.bootstrapServers(), applicationId, inputTopic, sink, deadLetter);
            long submitted = System.nanoTime();
            JobClient submittedJob = client;
            long processedAt = awaitProcessed(FlinkSensorJob::processed, input.events() - input.filtered(),
                    () -> stopped(submittedJob));
            long checkpointedAt = awaitProcessed(FlinkSensorJob::checkpointed, input.events() - input.filtered(),
                    () -> stopped(submittedJob));
            HeapSampler.Heap heapUse = heap.stop();
            CpuSplit.Split cpuUse = cpu.stop(applicationId, CpuSplit.flinkTaskThreads());
            stopRecording(recording, applicationId);

            Duration processed = Duration.ofNanos(processedAt - started);
            Duration elapsed = Duration.ofNanos(checkpointedAt - started);
            long sinkRecords = awaitWindows(sink, input.closedByWatermark());
            long late = records(deadLetter);
            Run run = new Run(FlinkSensorJob.NAME, label, 1, input.events(), input.events() / seconds(elapsed),
                    processed, elapsed, Duration.ofNanos(submitted - started), cpuUse, heapUse, -1, -1, sink,
                    sinkRecords, late, late, "", null);
            check(run, true, input);
            return run;
        } finally {
            heap.close();
            if (client != null) {
                cancel(client);
            }
        }
    }

    /**
     * @param processed the records the application's window has taken (or set aside as late) so far
     * @param stopped   what the application stopped for, or null while it runs
     * @return {@link System#nanoTime()} when the application was first seen to have processed {@code records}
     */
    private static long awaitProcessed(LongSupplier processed, long records, Supplier<String> stopped) {
        AtomicLong seenAt = new AtomicLong();
        Awaitility.await("the window takes " + records + " records").pollDelay(Duration.ZERO)
                .pollInterval(Drained.POLL_INTERVAL).atMost(RUN_TIMEOUT)
                .until(() -> {
                    if (processed.getAsLong() >= records) {
                        seenAt.set(System.nanoTime());
                        return true;
                    }
                    String stop = stopped.get();
                    if (stop != null) {
                        throw new IllegalStateException("stopped (" + stop + ") before it processed its input");
                    }
                    return false;
                });
        return seenAt.get();
    }

    /** The best events/s of a job's runs timed until its window had taken every record. */
    private static double bestProcessed(List<Run> runs, String job) {
        return runs.stream().filter(r -> r.job().equals(job) && r.processed() != null)
                .mapToDouble(r -> r.events() / seconds(r.processed())).max().orElseThrow();
    }

        /** What a Kafka Streams application stopped for, or null while it runs. */
    private static String stopped(KafkaStreams streams) {
        KafkaStreams.State state = streams.state();
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                || state == KafkaStreams.State.NOT_RUNNING ? state.toString() : null;
    }

    /** What a Flink job ended with, or null while it runs. */
    private static String stopped(JobClient client) {
        try {
            JobStatus status = client.getJobStatus().get(10, TimeUnit.SECONDS);
            return status.isGloballyTerminalState() ? status.toString() : null;
        } catch (Exception e) {
            return "its status is unknown: " + e;
        }
    }

    /** Cancels the job and waits for it to end, so that the next run has the machine to itself. */
    private static void cancel(JobClient client) throws Exception {
        client.cancel().handle((ignored, e) -> null).get(30, TimeUnit.SECONDS);
        client.getJobExecutionResult().handle((ignored, e) -> null).get(30, TimeUnit.SECONDS);
    }

    /**
     * Weir's windows must come out of the other applications too, window by window, with the same values. A
     * Flink difference fails the benchmark; the hand-written application's only counts, since Kafka Streams' stream
     * time may drop records that Weir's watermark keeps (see check).
     */
    private void compareSinks(List<Run> round) {
        Run weir = round.stream().filter(r -> r.job().equals(WeirSensorJob.name(null))).findFirst().orElseThrow();
        SinkWindows reference = SinkWindows.read(kafka.bootstrapServers(), partitions(weir.sink()));
        for (Run other : round) {
            if (!other.job().equals(FlinkSensorJob.NAME) && !other.job().equals(HandWrittenSensorJob.NAME)) {
                continue;
            }
            SinkWindows.Difference difference =
                    reference.compare(SinkWindows.read(kafka.bootstrapServers(), partitions(other.sink())));
            sinkDifferences.computeIfAbsent(other.job(), job -> new ArrayList<>()).add(difference);
            out.printf("%s %s sink against weir's: %s%n", other.job(), other.label(), difference);
            if (other.job().equals(FlinkSensorJob.NAME) && difference.mismatches() > 0) {
                failedChecks.add(String.format("%s %s: its windows differ from weir's: %s", other.job(),
                        other.label(), difference));
            }
        }
        out.println();
    }

    /**
     * Fails the benchmark when a run did no work or implausible work; warns when its output differs from what the
     * input calls for, since the runs then did not do quite the same work.
     *
     * @param watermarked whether the application closes windows by the contract's watermark (Weir, Flink), so that
     *                    it must emit exactly the windows that watermark closes
     */
    private void check(Run run, boolean watermarked, SensorReadings.Written input) {
        String which = run.job() + " " + run.label();
        if (input.closedByMaxTime() == 0) {
            warnings.add(which + ": its input spans too little event time for any window to close; use more events");
        } else if (run.sinkRecords() == 0) {
            failedChecks.add(which + " wrote nothing to its sink");
        } else if (run.sinkRecords() > input.closedByMaxTime() || run.sinkRecords() < input.closedByWatermark() / 2) {
            failedChecks.add(String.format("%s emitted %,d windows; between %,d and %,d can have closed", which,
                    run.sinkRecords(), input.closedByWatermark() / 2, input.closedByMaxTime()));
        } else if (watermarked && (run.sinkRecords() != input.closedByWatermark() || run.deadLetters() > 0)) {
            warnings.add(String.format("%s emitted %,d windows where the watermark closes %,d, and wrote %,d dead "
                    + "letters where none is due", which, run.sinkRecords(), input.closedByWatermark(),
                    run.deadLetters()));
        }
        if (!watermarked && run.droppedRecords() > NEGLIGIBLE_DROPS * input.events()) {
            warnings.add(String.format("%s dropped %,d records (%.1f%%) as late: Kafka Streams' stream time ran ahead "
                            + "of a partition read later, so it did less window work", which, run.droppedRecords(),
                    100.0 * run.droppedRecords() / input.events()));
        }
    }

    private void printRun(Run run) {
        CpuSplit.Split cpu = run.cpu();
        boolean flink = run.job().equals(FlinkSensorJob.NAME);
        String processing = flink ? "task threads" : run.threads() == 1 ? "stream thread" : "stream threads";
        out.printf("%-12s %-9s: %,9.0f events/s  %6.2f s (%s %.2f s%s); %s %.1f µs/event%n",
                run.job(), run.label(), run.eventsPerSecond(), seconds(run.elapsed()),
                flink ? "submission" : "startup", seconds(run.startup()),
                (run.processed() == null ? "" : String.format(", all in windows at %.2f s = %,.0f events/s",
                        seconds(run.processed()), run.events() / seconds(run.processed())))
                        + (run.atEndOffsets() == null ? "" : String.format(", offsets at the topics' end at %.2f s",
                        seconds(run.atEndOffsets()))),
                processing, run.streamThreadMicrosPerEvent());
        out.printf("%-23s CPU %.1f s: %s %.1f, its clients' I/O threads %.1f, broker and other Java threads %.1f, "
                        + "GC/JIT/RocksDB/native %.1f; %s%n", "", cpu.total(), processing, cpu.streamThread(),
                cpu.appClients(), cpu.otherJava(), cpu.outsideJava(), run.bytesSent() < 0
                        ? "bytes to and from the broker not measured"
                        : String.format("to the broker %,.0f MB, from it %,.0f MB", run.bytesSent() / 1e6,
                        run.bytesFetched() / 1e6));
        out.printf("%-23s heap peak %d MiB, after GC %d MiB, %d GCs %.2f s; RSS peak %d MiB (%d at the start); "
                        + "sink %,d windows, %s %,d, dropped %,d%s%n%n", "", run.heap().peakUsed() / MIB,
                run.heap().peakAfterGc() / MIB, run.heap().collections(), run.heap().collectionMillis() / 1e3,
                run.heap().peakRss() / MIB, run.heap().rssAtStart() / MIB, run.sinkRecords(),
                flink ? "late (side output)" : "dead letters", run.deadLetters(), run.droppedRecords(),
                run.summary().isEmpty() ? "" : "; " + run.summary());
    }

    private void report(List<Run> runs, List<Double> ceilings, List<Run> scaling) {
        double ceiling = ceilings.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        String weirName = WeirSensorJob.name(null);
        List<String> peers = List.of(HandWrittenSensorJob.NAME, FlinkSensorJob.NAME);
        out.println("=== result (best of each; the machine is shared, so every run is listed) ===");
        out.printf("%-26s %12s   %s%n", "", "events/s", "all runs");
        out.printf("%-26s %,12.0f   %s%n", "ceiling (plain consumer)", ceiling, list(ceilings));
        for (String job : Stream.concat(Stream.of(weirName), peers.stream()).toList()) {
            Run best = best(runs, job);
            out.printf("%-26s %,12.0f   %s   (%.0f%% of ceiling)%n", job, best.eventsPerSecond(),
                    list(runs.stream().filter(r -> r.job().equals(job)).map(Run::eventsPerSecond).toList()),
                    100 * best.eventsPerSecond() / ceiling);
        }
        double weirThread = least(runs, weirName, Run::streamThreadMicrosPerEvent);
        double weirAll = least(runs, weirName, r -> r.cpu().total() * 1e6 / r.events());
        out.printf("CPU per event, least of each (processing threads, all of the JVM): weir %.1f µs, %.1f µs", weirThread,
                weirAll);
        for (String peer : peers) {
            out.printf("; %s %.1f µs, %.1f µs", peer, least(runs, peer, Run::streamThreadMicrosPerEvent),
                    least(runs, peer, r -> r.cpu().total() * 1e6 / r.events()));
        }
        out.println();
        out.printf("peak heap and RSS of this JVM (broker included; heap cap %d MiB, %s; RSS only grows from run to "
                + "run):%n", HeapSampler.heapCap() / MIB, heapFlag());
        for (String job : Stream.concat(Stream.of(weirName), peers.stream()).toList()) {
            out.printf("  %-13s heap %d MiB (after GC %d MiB), RSS %d MiB (+%d MiB over its runs' starts)%n", job,
                    peak(runs, job, HeapSampler.Heap::peakUsed), peak(runs, job, HeapSampler.Heap::peakAfterGc),
                    peak(runs, job, HeapSampler.Heap::peakRss),
                    peak(runs, job, h -> Math.max(0, h.peakRss() - h.rssAtStart())));
        }
        out.printf("  process: peak RSS (VmHWM) %d MiB%n", HeapSampler.rss("VmHWM") / MIB);
        for (String peer : peers) {
            List<SinkWindows.Difference> differences = sinkDifferences.getOrDefault(peer, List.of());
            long identical = differences.stream().filter(d -> d.mismatches() == 0).count();
            out.printf("windows of %s against weir's, window by window: %d of %d rounds identical, mismatches %s%n",
                    peer, identical, differences.size(),
                    differences.stream().map(d -> String.valueOf(d.mismatches())).toList());
        }
        if (!scaling.isEmpty()) {
            double one = scaling.get(0).eventsPerSecond();
            out.printf("scaling: weir with %s stream threads: %s events/s (%s of the first)%n",
                    String.join(", ", scaling.stream().map(r -> String.valueOf(r.threads())).toList()),
                    list(scaling.stream().map(Run::eventsPerSecond).toList()),
                    String.join(", ", scaling.stream().map(r -> String.format("%.2f×", r.eventsPerSecond() / one))
                            .toList()));
        }
        double weir = best(runs, weirName).eventsPerSecond();
        double hand = best(runs, HandWrittenSensorJob.NAME).eventsPerSecond();
        double handCpu = least(runs, HandWrittenSensorJob.NAME, r -> r.cpu().total() * 1e6 / r.events());
        double flink = best(runs, FlinkSensorJob.NAME).eventsPerSecond();
        double flinkCpu = least(runs, FlinkSensorJob.NAME, r -> r.cpu().total() * 1e6 / r.events());
        double weirProcessed = bestProcessed(runs, weirName);
        double weirAtEnd = runs.stream().filter(r -> r.job().equals(weirName) && r.atEndOffsets() != null)
                .mapToDouble(r -> r.events() / seconds(r.atEndOffsets())).max().orElseThrow();
        double flinkProcessed = bestProcessed(runs, FlinkSensorJob.NAME);
        out.printf("weir/hand-written events/s = %.2f (target ≥ %.1f)%s; CPU per event in all = %.2f (target ≤ %.1f)%s%n",
                weir / hand, HAND_WRITTEN_TARGET, belowTarget(weir / hand >= HAND_WRITTEN_TARGET), weirAll / handCpu,
                HAND_WRITTEN_CPU_TARGET, belowTarget(weirAll / handCpu <= HAND_WRITTEN_CPU_TARGET));
        out.printf("weir/flink events/s = %.2f (target ≥ %.1f)%s, both timed until every record is durable (weir: "
                        + "offsets committed, flink: a checkpoint completed); until the window has taken every record: "
                        + "%.2f (target ≥ %.1f)%s (weir %,.0f, flink %,.0f events/s); the headline before 2026-12-07 "
                        + "evening (weir until the topics' end offsets, progress reports included, against flink "
                        + "processed): %.2f; CPU per event in all = %.2f%n", weir / flink, FLINK_TARGET,
                belowTarget(weir / flink >= FLINK_TARGET), weirProcessed / flinkProcessed, FLINK_TARGET,
                belowTarget(weirProcessed / flinkProcessed >= FLINK_TARGET), weirProcessed, flinkProcessed,
                weirAtEnd / flinkProcessed, weirAll / flinkCpu);
        for (double sampleRatio : settings.tracing()) {
            String traced = WeirSensorJob.name(sampleRatio);
            Run best = best(runs, traced);
            double tracedAll = least(runs, traced, r -> r.cpu().total() * 1e6 / r.events());
            out.printf("%s: %,.0f events/s %s = %.3f of weir untraced; CPU per event %.1f µs in all = %.3f of "
                            + "untraced%n", traced, best.eventsPerSecond(),
                    list(runs.stream().filter(r -> r.job().equals(traced)).map(Run::eventsPerSecond).toList()),
                    best.eventsPerSecond() / best(runs, weirName).eventsPerSecond(), tracedAll, tracedAll / weirAll);
        }
        warnings.forEach(w -> out.println("WARNING: " + w));
        failedChecks.forEach(f -> out.println("CHECK FAILED: " + f));
    }

    private static String belowTarget(boolean met) {
        return met ? "" : "  BELOW TARGET";
    }

    private static Run best(List<Run> runs, String job) {
        return runs.stream().filter(r -> r.job().equals(job)).max(Comparator.comparingDouble(Run::eventsPerSecond))
                .orElseThrow();
    }

    private static double least(List<Run> runs, String job, ToDoubleFunction<Run> of) {
        return runs.stream().filter(r -> r.job().equals(job)).mapToDouble(of).min().orElseThrow();
    }

    private static long peak(List<Run> runs, String job, ToLongFunction<HeapSampler.Heap> of) {
        return runs.stream().filter(r -> r.job().equals(job)).mapToLong(r -> of.applyAsLong(r.heap())).max()
                .orElseThrow() / MIB;
    }

    private static String list(List<Double> rates) {
        return String.join("  ", rates.stream().map(r -> String.format("%,.0f", r)).toList());
    }

    private long records(String topic) throws Exception {
        return drained.endOffsets(partitions(topic)).values().stream().mapToLong(Long::longValue).sum();
    }

    private static List<TopicPartition> partitions(String topic) {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    /** A Kafka Streams (or client) metric summed over its tags: over tasks, or over the clients of one instance. */
    private static double sumMetric(KafkaStreams streams, String group, String name) {
        return streams.metrics().values().stream()
                .filter(m -> m.metricName().group().equals(group) && m.metricName().name().equals(name))
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
    }

    private Recording startRecording() throws Exception {
        if (settings.jfr() == null) {
            return null;
        }
        Recording recording = new Recording(Configuration.getConfiguration("profile"));
        recording.start();
        return recording;
    }

    private void stopRecording(Recording recording, String applicationId) throws IOException {
        if (recording == null) {
            return;
        }
        recording.stop();
        Files.createDirectories(settings.jfr());
        Path file = settings.jfr().resolve(applicationId + ".jfr");
        recording.dump(file);
        recording.close();
        out.println("recorded " + file);
    }

    /** Other work on the machine shows here: the runs share its CPUs with it. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String heapFlag() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx")).findFirst().orElse("no -Xmx: the JVM's default");
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    /**
     * The broker's and the clients' INFO logs would bury the report; their warnings and errors go to stderr, where
     * nothing else would send them: the JBoss LogManager writes nowhere until something configures it.
     */
    private static void quietKafkaLogs() {
        for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger")) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
        // a MiniCluster warns of no log file, no delegation tokens, metric name collisions per checkpoint, and of
        // the checkpoint it could not take as the run cancels it; a failed job shows in its status
        Logger flink = Logger.getLogger("org.apache.flink");
        flink.setLevel(Level.SEVERE);
        QUIETED.add(flink);
        // one line per record the hand-written application drops as late; the report counts them instead
        for (String windowAggregate : List.of("KStreamWindowAggregate", "AbstractKStreamTimeWindowAggregateProcessor")) {
            Logger expired = Logger.getLogger("org.apache.kafka.streams.kstream.internals." + windowAggregate);
            expired.setLevel(Level.SEVERE);
            QUIETED.add(expired);
        }
        ConsoleHandler stderr = new ConsoleHandler();
        stderr.setLevel(Level.WARNING);
        Logger.getLogger("").addHandler(stderr);
    }
}

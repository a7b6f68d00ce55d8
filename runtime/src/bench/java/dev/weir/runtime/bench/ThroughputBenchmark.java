package dev.weir.runtime.bench;

import dev.weir.runtime.local.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Weir against a hand-written Kafka Streams application on the sensor example, in one JVM with one embedded
 * broker and one input written once: (c) a plain consumer's read rate of the input as the ceiling, then (a) Weir
 * and (b) the hand-written application alternately, each run with a fresh application id and state. Prints every
 * run, the best of each, their ratio against the target, and the heap. See docs/benchmark.md.
 *
 * <p>Settings are system properties: {@code bench.events}, {@code bench.sensors}, {@code bench.rounds},
 * {@code bench.commit-interval-ms}, {@code bench.job} (the sensor example's file), {@code bench.jfr} (a directory
 * to record each run into with Java Flight Recorder; empty: none).
 */
public final class ThroughputBenchmark {
    static final double TARGET = 0.90;
    static final int PARTITIONS = 4;
    static final String INPUT = "bench-sensor-readings";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    /** How long Weir may take after draining to emit the windows the last progress reports close. */
    private static final Duration LAST_WINDOWS_TIMEOUT = Duration.ofSeconds(10);
    private static final long MIB = 1024 * 1024;
    /** java.util.logging holds loggers weakly: one collected would forget its level. */
    private static final List<Logger> QUIETED = new ArrayList<>();

    record Settings(long events, int sensors, int rounds, long commitIntervalMs, Path job, Path jfr) {
        static Settings fromSystemProperties() {
            String jfr = System.getProperty("bench.jfr", "");
            return new Settings(Long.getLong("bench.events", 300_000), Integer.getInteger("bench.sensors", 1000),
                    Integer.getInteger("bench.rounds", 2), Long.getLong("bench.commit-interval-ms", 100),
                    Path.of(System.getProperty("bench.job", "examples/sensor-aggregates.yaml")),
                    jfr.isBlank() ? null : Path.of(jfr));
        }
    }

    /** One run of one application. CPU times are seconds; stream-thread CPU is the application's own work. */
    record Run(String job, int round, double eventsPerSecond, Duration elapsed, Duration startup,
               double streamThreadCpu, double processCpu, HeapSampler.Heap heap, long sinkRecords, long deadLetters,
               long droppedRecords, String summary) {}

    private final Settings settings;
    private final EmbeddedKafka kafka;
    private final Admin admin;
    private final Drained drained;
    private final PrintStream out;
    private final List<String> failedChecks = new ArrayList<>();

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
        out.printf("both applications: at_least_once, 1 stream thread, commit.interval.ms=%d, other settings default%n",
                settings.commitIntervalMs());

        kafka.createTopic(INPUT, PARTITIONS);
        SensorReadings.Written input = SensorReadings.produce(kafka.bootstrapServers(), INPUT, PARTITIONS,
                settings.events(), settings.sensors());
        out.printf("input: %,d readings (%,d filtered out by the job), %.1f MB, written in %.1f s; %,d windows, "
                        + "%,d of them closed by the watermark at the end%n", input.events(), input.filtered(),
                input.bytes() / 1e6, seconds(input.producing()), input.windows(), input.closedByWatermark());
        out.printf("heap after a full GC with only the broker: %d MiB%n%n", HeapSampler.liveAfterFullGc() / MIB);

        List<Double> ceilings = new ArrayList<>();
        ceilings.add(ceiling());
        List<BenchmarkedJob> jobs = List.of(new WeirSensorJob(settings.job(), PARTITIONS), new HandWrittenSensorJob());
        List<Run> runs = new ArrayList<>();
        for (int round = 1; round <= settings.rounds(); round++) {
            for (BenchmarkedJob job : jobs) {
                Run run = run(job, round, input);
                runs.add(run);
                printRun(run);
            }
        }
        ceilings.add(ceiling());
        report(runs, ceilings);
        return failedChecks.isEmpty() ? 0 : 1;
    }

    /** (c) A plain consumer reads the whole input topic, without a group: the rate nothing on this broker beats. */
    private double ceiling() {
        List<TopicPartition> partitions = inputPartitions();
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long started = System.nanoTime();
            consumer.seekToBeginning(partitions);
            long records = 0;
            long deadline = started + RUN_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the plain consumer did not read the input within " + RUN_TIMEOUT);
                }
                records += consumer.poll(Duration.ofMillis(100)).count();
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            double rate = records / seconds(elapsed);
            out.printf("ceiling      plain KafkaConsumer: %,9.0f events/s  (%,d records in %.2f s)%n%n", rate, records,
                    seconds(elapsed));
            return rate;
        }
    }

    private Run run(BenchmarkedJob job, int round, SensorReadings.Written input) throws Exception {
        String applicationId = "bench-" + job.name() + "-" + round;
        String sink = applicationId + "-sink";
        String deadLetter = applicationId + "-dead-letter";
        kafka.createTopic(sink, PARTITIONS);
        kafka.createTopic(deadLetter, PARTITIONS);
        Path stateDir = Files.createTempDirectory("weir-bench-state");
        Properties props = new Properties();
        props.putAll(job.settings());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitIntervalMs());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        List<TopicPartition> drainedWhen = Stream.concat(inputPartitions().stream(),
                partitions(job.repartitionTopic(applicationId)).stream()).toList();

        var topology = job.topology(applicationId, INPUT, sink, deadLetter);
        HeapSampler.liveAfterFullGc();
        Recording recording = startRecording();
        long cpuBefore = processCpuNanos();
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
            long drainedAt = drained.await(applicationId, drainedWhen, streams, RUN_TIMEOUT);
            HeapSampler.Heap heapUse = heap.stop();
            double processCpu = (processCpuNanos() - cpuBefore) / 1e9;
            double streamThreadCpu = streamThreadCpuNanos(applicationId) / 1e9;
            stopRecording(recording, applicationId);
            long dropped = droppedRecords(streams);

            Duration elapsed = Duration.ofNanos(drainedAt - started);
            Duration startup = Duration.ofNanos(Math.max(0, runningAt.get() - started));
            long sinkRecords = job instanceof WeirSensorJob ? awaitWindows(sink, input.closedByWatermark())
                    : records(sink);
            check(job, sinkRecords, input);
            Run run = new Run(job.name(), round, input.events() / seconds(elapsed), elapsed, startup, streamThreadCpu,
                    processCpu, heapUse, sinkRecords, records(deadLetter), dropped, job.summary());
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

    private void check(BenchmarkedJob job, long sinkRecords, SensorReadings.Written input) {
        if (sinkRecords == 0) {
            failedChecks.add(job.name() + " wrote nothing to its sink");
        } else if (job instanceof WeirSensorJob && sinkRecords != input.closedByWatermark()) {
            failedChecks.add(String.format("weir emitted %,d windows; the watermark closes %,d", sinkRecords,
                    input.closedByWatermark()));
        } else if (sinkRecords > input.closedByMaxTime()) {
            failedChecks.add(String.format("%s emitted %,d windows; at most %,d can have closed", job.name(),
                    sinkRecords, input.closedByMaxTime()));
        }
    }

    private void printRun(Run run) {
        out.printf("%-12s round %d: %,9.0f events/s  %6.2f s (startup %.2f s)  CPU: stream thread %.1f s "
                        + "(%.0f µs/event), whole JVM %.1f s%n", run.job(), run.round(), run.eventsPerSecond(),
                seconds(run.elapsed()), seconds(run.startup()), run.streamThreadCpu(),
                run.streamThreadCpu() * 1e6 / settings.events(), run.processCpu());
        out.printf("%-12s          heap peak %d MiB, after GC %d MiB, %d GCs %.2f s; sink %,d windows, "
                        + "dead letters %,d, dropped %,d%s%n%n", "", run.heap().peakUsed() / MIB,
                run.heap().peakAfterGc() / MIB, run.heap().collections(), run.heap().collectionMillis() / 1e3,
                run.sinkRecords(), run.deadLetters(), run.droppedRecords(),
                run.summary().isEmpty() ? "" : "; " + run.summary());
    }

    private void report(List<Run> runs, List<Double> ceilings) {
        double ceiling = ceilings.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        Run weir = best(runs, "weir");
        Run hand = best(runs, "hand-written");
        out.println("=== result (best of each; the machine is shared, so every run is listed) ===");
        out.printf("%-26s %12s   %s%n", "", "events/s", "all runs");
        out.printf("%-26s %,12.0f   %s%n", "ceiling (plain consumer)", ceiling, list(ceilings));
        for (Run best : List.of(weir, hand)) {
            out.printf("%-26s %,12.0f   %s   (%.0f%% of ceiling)%n", best.job(), best.eventsPerSecond(),
                    list(runs.stream().filter(r -> r.job().equals(best.job())).map(Run::eventsPerSecond).toList()),
                    100 * best.eventsPerSecond() / ceiling);
        }
        double ratio = weir.eventsPerSecond() / hand.eventsPerSecond();
        out.printf("stream-thread CPU per event: weir %.1f µs, hand-written %.1f µs (least of each)%n",
                leastCpuPerEvent(runs, "weir"), leastCpuPerEvent(runs, "hand-written"));
        out.printf("peak heap of this JVM (broker included; cap %d MiB, %s): weir runs %d MiB (after GC %d MiB), "
                        + "hand-written runs %d MiB (after GC %d MiB)%n", HeapSampler.heapCap() / MIB, heapFlag(),
                peak(runs, "weir", HeapSampler.Heap::peakUsed), peak(runs, "weir", HeapSampler.Heap::peakAfterGc),
                peak(runs, "hand-written", HeapSampler.Heap::peakUsed),
                peak(runs, "hand-written", HeapSampler.Heap::peakAfterGc));
        out.printf("weir/hand-written = %.2f (target ≥ %.2f)%s%n", ratio, TARGET,
                ratio >= TARGET ? "" : "  BELOW TARGET");
        failedChecks.forEach(f -> out.println("CHECK FAILED: " + f));
    }

    private static Run best(List<Run> runs, String job) {
        return runs.stream().filter(r -> r.job().equals(job)).max(Comparator.comparingDouble(Run::eventsPerSecond))
                .orElseThrow();
    }

    private double leastCpuPerEvent(List<Run> runs, String job) {
        return runs.stream().filter(r -> r.job().equals(job)).mapToDouble(Run::streamThreadCpu).min().orElseThrow()
                * 1e6 / settings.events();
    }

    private static long peak(List<Run> runs, String job, java.util.function.ToLongFunction<HeapSampler.Heap> of) {
        return runs.stream().filter(r -> r.job().equals(job)).mapToLong(r -> of.applyAsLong(r.heap())).max()
                .orElseThrow() / MIB;
    }

    private static String list(List<Double> rates) {
        return String.join("  ", rates.stream().map(r -> String.format("%,.0f", r)).toList());
    }

    private long records(String topic) throws Exception {
        return drained.endOffsets(partitions(topic)).values().stream().mapToLong(Long::longValue).sum();
    }

    private static List<TopicPartition> inputPartitions() {
        return partitions(INPUT);
    }

    private static List<TopicPartition> partitions(String topic) {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    /** Records Kafka Streams dropped: late for their window, or unreadable. */
    private static long droppedRecords(KafkaStreams streams) {
        return (long) streams.metrics().values().stream()
                .filter(m -> m.metricName().name().equals("dropped-records-total"))
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
    }

    /** The CPU time of the application's stream thread: its processing, without the broker's or the clients' I/O. */
    private static long streamThreadCpuNanos(String applicationId) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(applicationId + "-") && t.getName().contains("-StreamThread-"))
                .mapToLong(t -> threads.getThreadCpuTime(t.getId())).filter(n -> n > 0).sum();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
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

    private static String heapFlag() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx")).findFirst().orElse("no -Xmx: the JVM's default");
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    /** The broker's and the clients' INFO logs would bury the report. */
    private static void quietKafkaLogs() {
        for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger")) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
    }
}

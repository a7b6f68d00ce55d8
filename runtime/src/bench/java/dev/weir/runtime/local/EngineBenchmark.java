package dev.weir.runtime.local;

import com.sun.management.OperatingSystemMXBean;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.kinesis.local.LocalKinesisServers;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The sensor example on the Kinesis engine and on the Kafka Streams engine, same events, same JVM, one invocation:
 * events per second and CPU per event of each, their ratio, the two engines' outputs compared line by line, and the
 * local Kinesis server's own read rate as the ceiling of the Kinesis engine here. Each run first loads the whole input
 * into its source, then starts the job: the job's figures run from its start to its last output, so that
 * kinesis-local's slow puts (seconds per call) do not count as the engine's time; the figure with the loading
 * included is printed beside it.
 *
 * <p>Both run the way {@code weir run --input} does (one partition, one shard): the Kafka engine on an embedded broker
 * in this JVM, the Kinesis engine on kinesis-local and moto, which are processes of their own. So the Kafka figure's
 * JVM CPU holds its broker's work; the Kinesis figure is given without and with its servers' CPU.
 *
 * <pre>{@code ./mvnw -B -q -pl runtime -am -Pbench verify -DskipTests -Dbench.main=dev.weir.runtime.local.EngineBenchmark}</pre>
 */
public final class EngineBenchmark {
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    private EngineBenchmark() {}

    record Figures(double seconds, double jvmCpu, double serverCpu) {}

    /** A run's figures as a whole (loading its input, then running the job on it) and from the job's start only. */
    record Phases(Figures whole, Figures job) {}

    /** CPU and clock now. */
    private record Mark(long cpu, long serverCpu, long nanos) {
        static Mark now() {
            return new Mark(OS.getProcessCpuTime(), serverCpuNanos(), System.nanoTime());
        }

        Figures since(Mark from) {
            return new Figures((nanos - from.nanos) / 1e9, (cpu - from.cpu) / 1e9, (serverCpu - from.serverCpu) / 1e9);
        }
    }

    public static void main(String[] args) throws Exception {
        int events = Integer.getInteger("bench.engine.events", 20_000);
        int sensors = Integer.getInteger("bench.sensors", 1000);
        int rounds = Integer.getInteger("bench.rounds", 2);
        Path repo = Path.of(System.getProperty(KinesisLocalRun.HOME_PROPERTY, "..")).toAbsolutePath().normalize();
        System.setProperty(KinesisLocalRun.HOME_PROPERTY, repo.toString());
        Path work = Files.createTempDirectory("weir-engine-bench");
        Path input = work.resolve("readings.jsonl");
        writeReadings(input, events, sensors);
        StreamJob kafka = JobFiles.read(repo.resolve("examples/sensor-aggregates.yaml"));
        StreamJob kinesis = JobFiles.read(repo.resolve("examples/kinesis/sensor-aggregates.yaml"));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        System.out.printf(Locale.ROOT, "Weir engine benchmark: the sensor example, %,d in-order readings from %,d sensors,"
                + " %d rounds, one partition / one shard%n", events, sensors, rounds);
        System.out.printf(Locale.ROOT, "machine load average (1 min) at the start: %.1f, %d CPUs%n",
                OS.getSystemLoadAverage(), OS.getAvailableProcessors());
        Path installed = LocalKinesisServers.install(repo, work.resolve("servers.properties"), new StringBuilder());
        try (LocalKinesisServers servers = LocalKinesisServers.start(installed, work.resolve("logs"))) {
            double ceiling = readCeiling(servers, input, events);
            System.out.printf(Locale.ROOT, "kinesis-local read ceiling: %,.0f records/s (GetRecords of 10,000, one"
                    + " shard, nothing else done)%n", ceiling);
            List<Double> cpuRatios = new ArrayList<>();
            List<Double> cpuWithServersRatios = new ArrayList<>();
            List<Double> wholeRatios = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                Path kafkaOut = work.resolve("kafka-" + round + ".jsonl");
                Path kinesisOut = work.resolve("kinesis-" + round + ".jsonl");
                Phases k = measure(loaded -> new LocalRun(kafka, input, kafkaOut, work.resolve("kafka-dlq.jsonl"),
                        null, quiet).inputFirst(loaded).run());
                Phases s = measure(loaded -> new KinesisLocalRun(kinesis, input, kinesisOut,
                        work.resolve("kinesis-dlq.jsonl"), null, quiet).inputFirst(loaded).run(servers));
                boolean same = Files.readAllLines(kafkaOut).stream().sorted().toList()
                        .equals(Files.readAllLines(kinesisOut).stream().sorted().toList());
                report("kafka  ", round, events, k, false);
                report("kinesis", round, events, s, true);
                double ratio = s.job().jvmCpu() / k.job().jvmCpu();
                double withServers = (s.job().jvmCpu() + s.job().serverCpu()) / k.job().jvmCpu();
                double whole = s.whole().jvmCpu() / k.whole().jvmCpu();
                cpuRatios.add(ratio);
                cpuWithServersRatios.add(withServers);
                wholeRatios.add(whole);
                System.out.printf(Locale.ROOT, "round %d: the job's CPU per event kinesis/kafka %.2f (with kinesis-local"
                        + " and moto %.2f); input loading included %.2f; outputs %s (%,d windows)%n", round, ratio,
                        withServers, whole, same ? "identical" : "DIFFER", Files.readAllLines(kafkaOut).size());
            }
            System.out.printf(Locale.ROOT, "the job's CPU per event, Kinesis engine / Kafka engine (broker in its JVM):"
                            + " best %.2f, with the Kinesis servers best %.2f; input loading included best %.2f;"
                            + " target ≤ 1.00%n",
                    cpuRatios.stream().min(Double::compare).orElseThrow(),
                    cpuWithServersRatios.stream().min(Double::compare).orElseThrow(),
                    wholeRatios.stream().min(Double::compare).orElseThrow());
        } finally {
            LocalRun.deleteTree(work);
        }
        // as the other benchmark programs: threads the client libraries leave would keep the JVM (and Maven) waiting
        System.exit(0);
    }

    /** A run that loads its input, calls {@code loaded}, then runs the job: the exit code. */
    interface Run {
        int run(Runnable loaded) throws Exception;
    }

    private static Phases measure(Run run) throws Exception {
        Mark start = Mark.now();
        Mark[] loaded = new Mark[1];
        int code = run.run(() -> loaded[0] = Mark.now());
        Mark end = Mark.now();
        if (code != 0 || loaded[0] == null) {
            throw new IllegalStateException("the run exited " + code);
        }
        return new Phases(end.since(start), end.since(loaded[0]));
    }

    private static void report(String engine, int round, int events, Phases p, boolean servers) {
        Figures f = p.job();
        System.out.printf(Locale.ROOT, "%s round %d: the job (input already in its source): %,8.0f events/s  %6.1f s"
                        + " (start-up included)  CPU %5.1f s in this JVM (%.1f µs/event)%s; loading the input first:"
                        + " %5.1f s, CPU %5.1f s%n", engine, round, events / f.seconds(), f.seconds(), f.jvmCpu(),
                f.jvmCpu() / events * 1e6, servers ? String.format(Locale.ROOT, ", %5.1f s in kinesis-local and moto",
                        f.serverCpu()) : ", its broker included", p.whole().seconds() - f.seconds(),
                p.whole().jvmCpu() - f.jvmCpu());
    }

    /** The CPU time of this JVM's child processes (kinesis-local and moto), from /proc. */
    private static long serverCpuNanos() {
        long ticks = 0;
        for (ProcessHandle child : ProcessHandle.current().descendants().toList()) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(child.pid()), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            } catch (IOException | RuntimeException e) {
                // a process that ended in between
            }
        }
        return ticks * 1_000_000_000L / CLOCK_TICKS;
    }

    /** In event-time order, every sensor every second, a few faulty readings the job filters out. */
    private static void writeReadings(Path file, int events, int sensors) throws IOException {
        Random random = new Random(20240501L);
        long start = Instant.parse("2024-05-01T00:00:00Z").toEpochMilli();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < events; i++) {
                double temperature = random.nextInt(50) == 0 ? -60.0 : 50 + random.nextInt(500) / 10.0;
                out.write("{\"sensor_id\":\"sensor-" + (i % sensors) + "\",\"event_time\":\""
                        + Instant.ofEpochMilli(start + (i / sensors) * 1000L) + "\",\"temperature\":" + temperature
                        + "}\n");
            }
        }
    }

    /** How fast kinesis-local serves the same records to a reader that does nothing else. */
    private static double readCeiling(LocalKinesisServers servers, Path input, int events) throws IOException {
        String stream = "ceiling-" + ProcessHandle.current().pid();
        servers.createStream(stream, 1);
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        int i = 0;
        for (String line : Files.readAllLines(input)) {
            batch.add(PutRecordsRequestEntry.builder().partitionKey(Integer.toString(i++))
                    .data(SdkBytes.fromUtf8String(line)).build());
            if (batch.size() == 500) {
                put(servers, stream, batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            put(servers, stream, batch);
        }
        String shard = servers.shards(stream).get(0).shardId();
        long start = System.nanoTime();
        String iterator = LocalKinesisServers.call("iterator", () -> servers.clients().kinesis().getShardIterator(r -> r
                .streamName(stream).shardId(shard).shardIteratorType(ShardIteratorType.TRIM_HORIZON))).shardIterator();
        long read = 0;
        while (read < events) {
            String current = iterator;
            GetRecordsResponse response = LocalKinesisServers.call("reading", () -> servers.clients().kinesis()
                    .getRecords(r -> r.shardIterator(current).limit(10_000)));
            read += response.records().size();
            iterator = response.nextShardIterator();
        }
        return read / ((System.nanoTime() - start) / 1e9);
    }

    private static void put(LocalKinesisServers servers, String stream, List<PutRecordsRequestEntry> batch) {
        List<PutRecordsRequestEntry> records = List.copyOf(batch);
        var response = LocalKinesisServers.call("putting", LocalKinesisServers.WRITE_TIMEOUT.plusSeconds(5),
                () -> servers.writer().putRecords(r -> r
                .streamName(stream).records(records)));
        if (response.failedRecordCount() != null && response.failedRecordCount() > 0) {
            throw new IllegalStateException(response.failedRecordCount() + " records refused by kinesis-local");
        }
    }
}

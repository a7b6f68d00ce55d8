package dev.weir.runtime.local;

import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.LocalFiles;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.engine.KinesisEngine;
import dev.weir.kinesis.engine.KinesisEngineSettings;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Engine;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.pipeline.JobStreams;
import dev.weir.runtime.tracing.JobTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * {@code weir run JOB --input FILE} for a job with a Kinesis source: the Kinesis engine a pod runs, against a
 * Kinesis-compatible server (kinesis-local) and the DynamoDB its Kinesis Client Library keeps leases in (moto), both
 * started here on loopback and stopped at the end ({@link LocalKinesisServers}; the project's own installer puts them
 * on the machine once).
 *
 * <p>The job's three streams are created with one shard each, so the file's order is the arrival order as with the
 * Kafka engine's one-partition topics; each line is one record, blank ones too, with partition key {@code line-N}. A
 * record marking the end of the input follows the last line; when the engine has read it, every window is closed and
 * written, and the sink and dead-letter streams are read out in order. Dead letters name the shard and sequence number
 * of their record (Kinesis has no offsets); the record itself is in the dead letter as on Kafka. A line longer than a
 * Kinesis record may hold (1 MiB with its partition key) never reaches the stream: it goes to the dead-letter stream
 * here, as {@code too_large} with its first bytes and its line number.
 */
public final class KinesisLocalRun {
    /** The Weir repository, whose installer sets up the servers; {@code ./weir} sets it. */
    public static final String HOME_PROPERTY = "weir.home";
    /** Give up when the engine neither reads nor ends for this long (once it has read its first record). */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
    /** Starting: the library creates its lease table, elects a leader and takes the shard. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final int MAX_BATCH_RECORDS = 500;
    private static final int MAX_BATCH_BYTES = 4 * 1024 * 1024;
    private static final Duration PUT_RETRY = Duration.ofMillis(200);
    private static final int PUT_ATTEMPTS = 50;

    private final StreamJob job;
    private final Path input;
    private final Path output;
    private final Path deadLetter;
    private final Path traces;
    private final PrintStream err;
    private Runnable inputLoaded;

    /** @param traces where to write spans as JSON lines, or null not to trace */
    public KinesisLocalRun(StreamJob job, Path input, Path output, Path deadLetter, Path traces, PrintStream err) {
        this.job = job;
        this.input = input;
        this.output = output;
        this.deadLetter = deadLetter;
        this.traces = traces;
        this.err = err;
    }

    /**
     * Puts the whole input in the source stream before the engine starts, and calls {@code loaded} in between: a
     * benchmark then measures the engine's own work apart from loading its input (kinesis-local's puts are slow). Without
     * it (as {@code weir run} runs), the engine starts first and reads while the input is put.
     */
    public KinesisLocalRun inputFirst(Runnable loaded) {
        this.inputLoaded = loaded;
        return this;
    }

    /** Installs (once per machine) and starts the servers, runs the job on them, and stops them. */
    public int run() throws IOException {
        Path work = Files.createTempDirectory("weir-kinesis-run");
        try {
            Path home = Path.of(System.getProperty(HOME_PROPERTY, ".")).toAbsolutePath().normalize();
            StringBuilder installerOutput = new StringBuilder();
            err.println("weir run: starting kinesis-local and moto (installed once per machine by "
                    + LocalKinesisServers.INSTALLER + ")");
            Path installed = LocalKinesisServers.install(home, work.resolve("servers.properties"), installerOutput);
            try (LocalKinesisServers servers = LocalKinesisServers.start(installed, work.resolve("logs"))) {
                return run(servers);
            }
        } finally {
            LocalFiles.deleteTree(work);
        }
    }

    /** Runs the job on servers already started (benchmarks start them once for several runs). */
    public int run(LocalKinesisServers servers) throws IOException {
        silenceLibraryInternals();
        JobStreams streams = JobStreams.of(job.getSpec());
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        String run = "weir-run-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        for (String stream : List.of(streams.source(), streams.sink(), streams.deadLetter())) {
            recreate(servers, stream);
        }
        Path stateDir = Files.createTempDirectory("weir-state");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry);
        try (JobTracing tracing = traces == null ? null : JobTracing.toFile(job, traces)) {
            KinesisSourceSettings reads = KinesisSourceSettings.defaults(run, streams.source(), run + "-worker")
                    // one worker, alone: short leases, so that it takes the shard in seconds
                    .withTimings(Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(2), Duration.ofMillis(500))
                    .withReads(Duration.ofMillis(200), KinesisSourceSettings.MAX_RECORDS_PER_READ, 2);
            KinesisEngineSettings settings = new KinesisEngineSettings(reads, KinesisSinkSettings.defaults(), true,
                    Duration.ofMinutes(1));
            KinesisEngine engine = new KinesisEngine(job, settings, servers.clients(),
                    tracing == null ? metrics : metrics.andThen(tracing.listener()), Optional.empty(), Optional.empty(),
                    stateDir);
            try {
                Sent sent;
                if (inputLoaded != null) {
                    sent = produce(servers, streams, settings.sink().maxRecordBytes());
                    inputLoaded.run();
                    engine.start();
                } else {
                    engine.start();
                    sent = produce(servers, streams, settings.sink().maxRecordBytes());
                }
                err.printf("weir run: %d input lines sent to %s%n", sent.lines(), streams.source());
                int code = awaitDrained(engine);
                if (code != 0) {
                    return code;
                }
                long deadLetters = collect(servers, streams);
                for (String line : metrics.summary(compiled.window() != null)) {
                    err.println("weir run: " + line);
                }
                if (sent.tooLarge() > 0) {
                    err.printf("weir run: %d lines were too large for a Kinesis record and went to the dead letter"
                            + " without reaching the job%n", sent.tooLarge());
                }
                if (deadLetter == null && deadLetters > 0) {
                    err.printf("weir run: %d dead letters discarded; keep them with --dead-letter FILE%n", deadLetters);
                }
                return 0;
            } finally {
                engine.close();
            }
        } catch (RuntimeException | CheckpointException | ExecutionException | TimeoutException e) {
            err.println("weir run: " + e.getMessage() + " (server logs in " + servers.logs() + ")");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            LocalFiles.deleteTree(stateDir);
        }
    }

    /** The library logs each lease and shard step; here they are internals the user does not manage. */
    private static void silenceLibraryInternals() {
        for (String category : List.of("software.amazon.kinesis", "software.amazon.awssdk",
                "com.amazonaws.services.dynamodbv2")) {
            java.util.logging.Logger.getLogger(category).setLevel(java.util.logging.Level.SEVERE);
        }
    }

    /** A fresh, empty stream of one shard: servers shared by several runs still hold the last run's records. */
    private static void recreate(LocalKinesisServers servers, String stream) {
        boolean exists = LocalKinesisServers.call("listing streams", () -> servers.clients().kinesis().listStreams())
                .streamNames().contains(stream);
        if (exists) {
            LocalKinesisServers.call("deleting stream " + stream, () -> servers.clients().kinesis()
                    .deleteStream(r -> r.streamName(stream).enforceConsumerDeletion(true)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (LocalKinesisServers.call("listing streams", () -> servers.clients().kinesis().listStreams())
                    .streamNames().contains(stream)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("stream " + stream + " was not deleted within 30 s");
                }
                pause(PUT_RETRY);
            }
        }
        servers.createStream(stream, 1);
    }

    private record Sent(long lines, long tooLarge) {}

    /** Puts every line, in order, then the end-of-input marker; a line no Kinesis record can hold is dead-lettered. */
    private Sent produce(LocalKinesisServers servers, JobStreams streams, int maxRecordBytes) throws IOException {
        long count = 0;
        long tooLarge = 0;
        List<PutRecordsRequestEntry> batch = new ArrayList<>();
        int batchBytes = 0;
        try (InputStream in = input.equals(LocalRun.STANDARD_INPUT) ? System.in : Files.newInputStream(input)) {
            // the longest partition key a line gets is "line-" and 19 digits
            InputLines lines = new InputLines(in, maxRecordBytes - 24);
            for (InputLines.Line line = lines.next(); line != null; line = lines.next()) {
                count++;
                String key = "line-" + count;
                if (!line.whole()) {
                    tooLarge++;
                    deadLetterTooLarge(servers, streams, line, count, maxRecordBytes);
                    continue;
                }
                int size = line.bytes().length + key.length();
                if (batch.size() == MAX_BATCH_RECORDS || batchBytes + size > MAX_BATCH_BYTES) {
                    putInOrder(servers, streams.source(), batch);
                    batch.clear();
                    batchBytes = 0;
                }
                batch.add(PutRecordsRequestEntry.builder().partitionKey(key)
                        .data(SdkBytes.fromByteArray(line.bytes())).build());
                batchBytes += size;
            }
        }
        batch.add(PutRecordsRequestEntry.builder().partitionKey(KinesisEngine.END_OF_INPUT_KEY)
                .data(SdkBytes.fromUtf8String("end of input")).build());
        putInOrder(servers, streams.source(), batch);
        return new Sent(count, tooLarge);
    }

    private static void deadLetterTooLarge(LocalKinesisServers servers, JobStreams streams, InputLines.Line line,
                                           long number, int maxRecordBytes) {
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("stream", streams.source());
        where.put("line", number);
        String key = "line-" + number;
        byte[] envelope = DeadLetters.envelope(DeadLetterReason.too_large, "line " + number + " is " + line.size()
                + " bytes, more than a Kinesis record of at most " + maxRecordBytes + " bytes may hold next to its"
                + " partition key", line.bytes(), line.size(), where, maxRecordBytes - key.length());
        putInOrder(servers, streams.deadLetter(), List.of(PutRecordsRequestEntry.builder().partitionKey(key)
                .data(SdkBytes.fromByteArray(envelope)).build()));
    }

    /**
     * Puts a batch so that the stream holds it in the batch's order. A record refused (the server's throughput
     * limit) is put again with every one after it, which the server then refused too; a refusal followed by an
     * accepted record would be out of order, and stops the run instead.
     */
    private static void putInOrder(LocalKinesisServers servers, String stream, List<PutRecordsRequestEntry> batch) {
        List<PutRecordsRequestEntry> pending = List.copyOf(batch);
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<PutRecordsRequestEntry> sending = pending;
            // the writer never retries by itself: a put that timed out may have been taken, and would be twice
            PutRecordsResponse response = LocalKinesisServers.call("putting records to " + stream,
                    LocalKinesisServers.WRITE_TIMEOUT.plusSeconds(5),
                    () -> servers.writer().putRecords(r -> r.streamName(stream).records(sending)));
            List<PutRecordsResultEntry> results = response.records();
            int firstFailed = 0;
            while (firstFailed < results.size() && results.get(firstFailed).errorCode() == null) {
                firstFailed++;
            }
            if (firstFailed == results.size()) {
                return;
            }
            PutRecordsResultEntry failed = results.get(firstFailed);
            for (int i = firstFailed; i < results.size(); i++) {
                if (results.get(i).errorCode() == null) {
                    throw new IllegalStateException("the local Kinesis server took a record after refusing an earlier"
                            + " one (" + failed.errorCode() + ": " + failed.errorMessage() + "): the input would be"
                            + " out of order");
                }
            }
            if (attempt == PUT_ATTEMPTS) {
                throw new IllegalStateException("the local Kinesis server refused records " + PUT_ATTEMPTS + " times: "
                        + failed.errorCode() + ": " + failed.errorMessage());
            }
            pending = sending.subList(firstFailed, sending.size());
            pause(PUT_RETRY);
        }
    }

    /** @return 0 once the engine has read the end of the input and written what it led to, 1 when it failed or stalled */
    private int awaitDrained(KinesisEngine engine) throws InterruptedException, ExecutionException, TimeoutException {
        long lastProcessed = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            try {
                engine.drained().get(1, TimeUnit.SECONDS);
                return 0;
            } catch (TimeoutException notYet) {
                Engine.Health health = engine.health();
                if (!health.up()) {
                    err.println("weir run: the job stopped: " + health.message());
                    return 1;
                }
                long processed = engine.processed();
                if (processed != lastProcessed) {
                    lastProcessed = processed;
                    lastProgress = System.nanoTime();
                }
                Duration limit = processed == 0 ? START_TIMEOUT : STALL_TIMEOUT;
                if (System.nanoTime() - lastProgress > limit.toNanos()) {
                    err.println("weir run: no progress for " + limit.toSeconds() + "s; giving up");
                    return 1;
                }
            } catch (ExecutionException e) {
                err.println("weir run: the job stopped: " + e.getCause().getMessage());
                return 1;
            }
        }
    }

    /** Writes the sink and dead-letter streams out, in order; returns the number of dead letters. */
    private long collect(LocalKinesisServers servers, JobStreams streams) throws IOException {
        try (Writer sinkOut = LocalRun.writer(output);
             Writer deadOut = deadLetter == null ? Writer.nullWriter() : LocalRun.writer(deadLetter)) {
            readAll(servers, streams.sink(), sinkOut);
            return readAll(servers, streams.deadLetter(), deadOut);
        }
    }

    private static long readAll(LocalKinesisServers servers, String stream, Writer out) throws IOException {
        String shard = servers.shards(stream).get(0).shardId();
        String iterator = LocalKinesisServers.call("reading " + stream, () -> servers.clients().kinesis()
                .getShardIterator(r -> r.streamName(stream).shardId(shard)
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON))).shardIterator();
        long count = 0;
        while (iterator != null) {
            String current = iterator;
            GetRecordsResponse response = LocalKinesisServers.call("reading " + stream, () -> servers.clients()
                    .kinesis().getRecords(r -> r.shardIterator(current).limit(KinesisSourceSettings.MAX_RECORDS_PER_READ)));
            for (Record record : response.records()) {
                out.write(new String(record.data().asByteArray(), StandardCharsets.UTF_8));
                out.write('\n');
                count++;
            }
            boolean atEnd = response.records().isEmpty() && Long.valueOf(0).equals(response.millisBehindLatest());
            iterator = atEnd ? null : response.nextShardIterator();
        }
        out.flush();
        return count;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

package dev.weir.kinesis.local;

import dev.weir.kinesis.KinesisClients;
import dev.weir.runtime.net.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A Kinesis-compatible server and what the Kinesis Client Library needs beside it, as processes of this machine on
 * loopback ports of their own: kinesis-local (npm) for the Kinesis API, and moto (PyPI) for DynamoDB (the library's
 * lease tables) and CloudWatch. For {@code weir run} with a Kinesis source, the benchmarks and the tests.
 *
 * <p>{@code runtime-kinesis/servers/install-servers.sh} installs both once per machine, outside the repository, and
 * writes where they are into a properties file; {@link #install} runs it, {@link #start} starts the servers from that
 * file. Closing stops them and their child processes; a shutdown hook kills them if the JVM exits first.
 */
public final class LocalKinesisServers implements AutoCloseable {

    public static final Region REGION = Region.US_EAST_1;
    /** The servers check no credentials, but the SDK signs every request with some. */
    public static final AwsCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("weir-local-access-key", "weir-local-secret-key"));
    /** The installer, relative to the repository's root. */
    public static final Path INSTALLER = Path.of("runtime-kinesis", "servers", "install-servers.sh");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final String LOOPBACK = "127.0.0.1";

    /** How long a put into kinesis-local may take before the writer gives up (see {@link #call(String, Duration, Supplier)}). */
    public static final Duration WRITE_TIMEOUT = Duration.ofMinutes(2);

    private final List<Process> processes = new ArrayList<>();
    private final Thread killOnExit = new Thread(this::kill, "kinesis-servers-kill");
    private final Path logs;
    private int kinesisPort;
    private int motoPort;
    private KinesisClients clients;
    private KinesisAsyncClient writer;

    private LocalKinesisServers(Path logs) {
        this.logs = logs;
    }

    /**
     * Runs the installer of the repository at {@code home} (a no-op but for a check when they are installed already)
     * and returns {@code properties}, into which it wrote where the servers are.
     *
     * @param output what the installer printed, for an error message
     * @throws IOException when it fails, with its output
     */
    public static Path install(Path home, Path properties, StringBuilder output) throws IOException {
        Path installer = home.resolve(INSTALLER);
        if (!Files.isRegularFile(installer)) {
            throw new IOException("no " + installer + ": the servers are installed by the Weir repository's own"
                    + " script; run weir from its repository (or set -Dweir.home to it)");
        }
        Process process = new ProcessBuilder("bash", installer.toString(), properties.toString())
                .redirectErrorStream(true).start();
        output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        try {
            if (process.waitFor() != 0) {
                throw new IOException(installer + " failed (exit " + process.exitValue() + "):\n" + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while installing the Kinesis servers", e);
        }
        return properties;
    }

    /**
     * Starts both servers from what {@link #install} wrote and waits until each answers.
     *
     * @param logs a folder for {@code kinesis-local-PORT.log} and {@code moto-PORT.log}
     */
    public static LocalKinesisServers start(Path installed, Path logs) throws IOException {
        LocalKinesisServers servers = new LocalKinesisServers(Files.createDirectories(logs));
        Runtime.getRuntime().addShutdownHook(servers.killOnExit);
        try {
            servers.startProcesses(installed);
            servers.clients = KinesisClients.create(servers.endpoints(), CREDENTIALS);
            servers.writer = KinesisClients.kinesisBuilder(servers.endpoints(), CREDENTIALS)
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)
                            .readTimeout(WRITE_TIMEOUT))
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                    .build();
            servers.awaitAnswering();
            return servers;
        } catch (IOException | RuntimeException e) {
            servers.close();
            throw e;
        }
    }

    /** Where the servers are, for {@link KinesisClients#create}. */
    public KinesisClients.Endpoints endpoints() {
        URI kinesis = URI.create("http://" + LOOPBACK + ":" + kinesisPort);
        URI moto = URI.create("http://" + LOOPBACK + ":" + motoPort);
        return new KinesisClients.Endpoints(REGION, Optional.of(kinesis), Optional.of(moto), Optional.of(moto));
    }

    /** Clients for the servers, closed with them: do not close them. */
    public KinesisClients clients() {
        return clients;
    }

    /**
     * A Kinesis client for writing input whose order and count matter ({@code weir run}'s lines, a benchmark's
     * events): it never retries by itself, because a put that timed out may have been taken, and a retry would write
     * its records twice; and it waits up to {@link #WRITE_TIMEOUT}, because kinesis-local's puts slow down as a
     * stream grows. Closed with the servers.
     */
    public KinesisAsyncClient writer() {
        return writer;
    }

    /** The folder the servers log into. */
    public Path logs() {
        return logs;
    }

    /** Creates a stream with that many shards and waits until it is active. */
    public void createStream(String stream, int shards) {
        call("creating stream " + stream, () -> clients.kinesis().createStream(request -> request
                .streamName(stream).shardCount(shards)));
        awaitActive(stream);
    }

    /** Waits until the stream is active, after it was created, split or merged. */
    public void awaitActive(String stream) {
        long deadline = System.nanoTime() + STREAM_TIMEOUT.toNanos();
        while (call("describing stream " + stream, () -> clients.kinesis()
                .describeStreamSummary(request -> request.streamName(stream)))
                .streamDescriptionSummary().streamStatus() != StreamStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stream " + stream + " is not active after " + STREAM_TIMEOUT);
            }
            pause(Duration.ofMillis(200));
        }
    }

    /** Every shard of the stream, open and closed, in the order Kinesis lists them. */
    public List<Shard> shards(String stream) {
        List<Shard> shards = new ArrayList<>();
        String next = null;
        do {
            String token = next;
            var response = call("listing the shards of " + stream, () -> clients.kinesis().listShards(request -> {
                if (token == null) {
                    request.streamName(stream);
                } else {
                    request.nextToken(token);
                }
            }));
            shards.addAll(response.shards());
            next = response.nextToken();
        } while (next != null);
        return shards;
    }

    /** The result of one call to a server, waited for with a bound; failures as unchecked exceptions. */
    public static <T> T call(String what, Supplier<CompletableFuture<T>> request) {
        return call(what, CALL_TIMEOUT, request);
    }

    /**
     * {@link #call(String, Supplier)} with a bound of its own: kinesis-local's PutRecords slows down as a stream grows
     * (500 records took 1 s into an empty stream and 4 to 10 s once it held 10,000 to 25,000, on a loaded machine).
     */
    public static <T> T call(String what, Duration timeout, Supplier<CompletableFuture<T>> request) {
        try {
            return request.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not answer within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        }
    }

    private void startProcesses(Path installed) throws IOException {
        Properties paths = new Properties();
        try (InputStream in = Files.newInputStream(installed)) {
            paths.load(in);
        }
        int[] ports = LoopbackPorts.free(3);
        kinesisPort = ports[0];
        motoPort = ports[1];
        Path main = Path.of(required(paths, "kinesis-local.main", installed));
        ProcessBuilder kinesis = new ProcessBuilder(required(paths, "node", installed), main.toString())
                .directory(logs.toFile());
        kinesis.environment().putAll(Map.of(
                "KINESIS_MOCK_PLAIN_PORT", Integer.toString(kinesisPort),
                // it always serves TLS too; on a port of its own so that servers in parallel JVMs do not collide
                "KINESIS_MOCK_TLS_PORT", Integer.toString(ports[2]),
                "KINESIS_MOCK_CERT_PATH", main.resolveSibling("server.json").toString(),
                "LOG_LEVEL", "WARN",
                // tests share one server and each makes streams of its own: the default account limit of 50 open
                // shards was reached in a CI run, failing CreateStream
                "SHARD_LIMIT", "10000",
                "SHOULD_PERSIST_DATA", "false"));
        processes.add(started(kinesis, logs.resolve("kinesis-local-" + kinesisPort + ".log")));
        ProcessBuilder moto = new ProcessBuilder(required(paths, "moto.python", installed),
                "-m", "moto.server", "-H", LOOPBACK, "-p", Integer.toString(motoPort))
                .directory(logs.toFile());
        processes.add(started(moto, logs.resolve("moto-" + motoPort + ".log")));
    }

    private static String required(Properties paths, String key, Path installed) {
        return Optional.ofNullable(paths.getProperty(key)).orElseThrow(() -> new IllegalStateException(
                installed + " has no " + key + ": run " + INSTALLER + " " + installed + " again"));
    }

    private static Process started(ProcessBuilder builder, Path log) throws IOException {
        return builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Waits until each server answers a request, failing at once when one exits. */
    private void awaitAnswering() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(process.info().command().orElse("a server") + " exited with "
                            + process.exitValue() + "; see its log in " + logs);
                }
            }
            try {
                call("listing streams", () -> clients.kinesis().listStreams());
                call("listing tables", () -> clients.dynamoDb().listTables());
                return;
            } catch (RuntimeException notYet) {
                last = notYet;
            }
            pause(Duration.ofMillis(500));
        }
        throw new IllegalStateException("kinesis-local on port " + kinesisPort + " and moto on port " + motoPort
                + " did not answer within " + START_TIMEOUT + " (logs in " + logs + ")", last);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kinesis servers", e);
        }
    }

    @Override
    public void close() {
        if (clients != null) {
            clients.close();
        }
        if (writer != null) {
            writer.close();
        }
        for (Process process : processes) {
            stop(process);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway
        }
    }

    private static void stop(Process process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                handle.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handle.destroyForcibly();
            }
        }
    }

    private void kill() {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

}

package dev.weir.kinesis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.weir.kinesis.KinesisClients;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The servers of the Kinesis {@code *IT} tests, on loopback ports of their own: kinesis-local for the Kinesis API, and
 * moto for DynamoDB (the Kinesis Client Library's lease tables) and CloudWatch. One pair per test JVM, started on first
 * use and stopped when the test run ends (JUnit closes it with the root context's store); tests share it, so each uses
 * streams and application names of its own ({@link #uniqueName}).
 *
 * <p>The servers are installed by {@code runtime-kinesis/servers/install-servers.sh}, which the build runs before the
 * ITs and which writes where they are to the file named by system property {@value #SERVERS_PROPERTY}. Their output
 * goes to {@code kinesis-local-PORT.log} and {@code moto-PORT.log} in a {@code kinesis-servers} folder beside that
 * file (the module's {@code target/}) and stays there.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KinesisServers servers = new KinesisServers();
 * }</pre>
 */
public final class KinesisServers implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    public static final String SERVERS_PROPERTY = "weir.kinesis-servers";
    public static final Region REGION = Region.US_EAST_1;
    public static final AwsCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("weir-test-access-key", "weir-test-secret-key"));

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KinesisServers.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final String LOOPBACK = "127.0.0.1";
    private static final AtomicInteger NAMES = new AtomicInteger();

    private volatile Running running;

    @Override
    public void beforeAll(ExtensionContext context) {
        running = shared(context);
    }

    /** Covers registration on an instance field, which JUnit does after the before-all callbacks. */
    @Override
    public void beforeEach(ExtensionContext context) {
        running = shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KinesisServers.class;
    }

    @Override
    public KinesisServers resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        running = shared(extensionContext);
        return this;
    }

    private static Running shared(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(Running.class, key -> Running.start(), Running.class);
    }

    private Running running() {
        Running servers = running;
        if (servers == null) {
            throw new IllegalStateException("KinesisServers is not started: register it with @RegisterExtension or @ExtendWith");
        }
        return servers;
    }

    /** Where the servers are, for {@link KinesisClients#create}. */
    public KinesisClients.Endpoints endpoints() {
        return running().endpoints();
    }

    /** Clients for the servers, shared by the tests and closed with the servers: do not close them. */
    public KinesisClients clients() {
        return running().clients;
    }

    /** A name no other test of this JVM uses, for a stream or a Kinesis Client Library application. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }

    /** Creates a stream with that many shards and waits until it is active. */
    public void createStream(String stream, int shards) {
        call("creating stream " + stream, () -> clients().kinesis().createStream(request -> request
                .streamName(stream).shardCount(shards)));
        awaitActive(stream);
    }

    public void deleteStream(String stream) {
        call("deleting stream " + stream, () -> clients().kinesis().deleteStream(request -> request
                .streamName(stream).enforceConsumerDeletion(true)));
    }

    /** Waits until the stream is active again, after a split or merge. */
    public void awaitActive(String stream) {
        Awaitility.await("stream " + stream + " active").atMost(STREAM_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> call("describing stream " + stream, () -> clients().kinesis()
                        .describeStreamSummary(request -> request.streamName(stream)))
                        .streamDescriptionSummary().streamStatus() == StreamStatus.ACTIVE);
    }

    /** Writes one record and returns where it went. */
    public PutRecordResponse put(String stream, String partitionKey, String data) {
        return call("putting a record to " + stream, () -> clients().kinesis().putRecord(request -> request
                .streamName(stream).partitionKey(partitionKey).data(SdkBytes.fromUtf8String(data))));
    }

    /** Splits the shard in the middle of its hash key range and waits until the stream is active again. */
    public void split(String stream, String shardId) {
        Shard shard = shards(stream).stream().filter(candidate -> candidate.shardId().equals(shardId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(stream + " has no shard " + shardId));
        BigInteger start = new BigInteger(shard.hashKeyRange().startingHashKey());
        BigInteger end = new BigInteger(shard.hashKeyRange().endingHashKey());
        String middle = start.add(end).shiftRight(1).add(BigInteger.ONE).toString();
        call("splitting " + shardId + " of " + stream, () -> clients().kinesis().splitShard(request -> request
                .streamName(stream).shardToSplit(shardId).newStartingHashKey(middle)));
        awaitActive(stream);
    }

    /** Merges two shards with adjacent hash key ranges and waits until the stream is active again. */
    public void merge(String stream, String shardId, String adjacentShardId) {
        call("merging " + shardId + " and " + adjacentShardId + " of " + stream, () -> clients().kinesis()
                .mergeShards(request -> request.streamName(stream).shardToMerge(shardId).adjacentShardToMerge(adjacentShardId)));
        awaitActive(stream);
    }

    /** The shards of the stream that take new records, in hash key order. */
    public List<Shard> openShards(String stream) {
        return shards(stream).stream()
                .filter(shard -> shard.sequenceNumberRange().endingSequenceNumber() == null)
                .sorted(Comparator.comparing(shard -> new BigInteger(shard.hashKeyRange().startingHashKey())))
                .toList();
    }

    /**
     * Every record of the stream, read shard by shard from the trim horizon to the end: what a consumer would see,
     * in each shard's order.
     */
    /** Every record of the stream, all shards, each parsed as a JSON object (a sink's output). */
    public List<Map<String, Object>> jsonRecords(String stream) throws dev.weir.runtime.pipeline.MalformedRecordException {
        List<Map<String, Object>> parsed = new ArrayList<>();
        for (List<Record> shard : records(stream).values()) {
            for (Record record : shard) {
                parsed.add(dev.weir.runtime.pipeline.Json.parseObject(record.data().asByteArray()));
            }
        }
        return parsed;
    }

    public Map<String, List<Record>> records(String stream) {
        Map<String, List<Record>> records = new LinkedHashMap<>();
        for (Shard shard : shards(stream)) {
            List<Record> read = new ArrayList<>();
            String iterator = call("getting an iterator of " + shard.shardId(), () -> clients().kinesis().getShardIterator(
                    request -> request.streamName(stream).shardId(shard.shardId())
                            .shardIteratorType(ShardIteratorType.TRIM_HORIZON))).shardIterator();
            while (iterator != null) {
                String current = iterator;
                GetRecordsResponse response = call("reading " + shard.shardId(), () -> clients().kinesis().getRecords(
                        request -> request.shardIterator(current)));
                read.addAll(response.records());
                boolean atEnd = response.records().isEmpty() && Long.valueOf(0).equals(response.millisBehindLatest());
                iterator = atEnd ? null : response.nextShardIterator();
            }
            records.put(shard.shardId(), read);
        }
        return records;
    }

    /** Every shard of the stream, open and closed, in the order Kinesis lists them. */
    public List<Shard> shards(String stream) {
        List<Shard> shards = new ArrayList<>();
        String next = null;
        do {
            String token = next;
            var response = call("listing the shards of " + stream, () -> clients().kinesis().listShards(request -> {
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
        try {
            return request.get().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not answer within " + CALL_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        }
    }

    private static final class ServerExited extends IllegalStateException {
        ServerExited(String message) {
            super(message);
        }
    }

    /** The two server processes; closing stops them and their children. */
    private static final class Running implements AutoCloseable {

        private final List<Process> processes = new ArrayList<>();
        private final Thread killOnExit = new Thread(this::kill, "kinesis-servers-kill");
        private int kinesisPort;
        private int motoPort;
        private KinesisClients clients;

        static Running start() {
            Running servers = new Running();
            Runtime.getRuntime().addShutdownHook(servers.killOnExit);
            try {
                servers.startProcesses(installed());
                servers.clients = KinesisClients.create(servers.endpoints(), CREDENTIALS);
                servers.awaitAnswering();
                return servers;
            } catch (IOException e) {
                servers.close();
                throw new UncheckedIOException("starting the Kinesis test servers failed", e);
            } catch (RuntimeException e) {
                servers.close();
                throw e;
            }
        }

        private static Path installed() {
            String file = Optional.ofNullable(System.getProperty(SERVERS_PROPERTY)).orElseThrow(() -> new IllegalStateException(
                    "system property " + SERVERS_PROPERTY + " is not set: the build runs runtime-kinesis/servers/"
                            + "install-servers.sh FILE before the ITs and passes FILE to them (see runtime-kinesis/pom.xml)"));
            Path path = Path.of(file);
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException(SERVERS_PROPERTY + "=" + path + " does not exist: run "
                        + "runtime-kinesis/servers/install-servers.sh " + path);
            }
            return path;
        }

        private void startProcesses(Path installed) throws IOException {
            Properties paths = new Properties();
            try (InputStream in = Files.newInputStream(installed)) {
                paths.load(in);
            }
            Path logs = Files.createDirectories(installed.toAbsolutePath().resolveSibling("kinesis-servers"));
            kinesisPort = freePort();
            motoPort = freePort();
            Path main = Path.of(required(paths, "kinesis-local.main", installed));
            ProcessBuilder kinesis = new ProcessBuilder(required(paths, "node", installed), main.toString())
                    .directory(logs.toFile());
            kinesis.environment().putAll(Map.of(
                    "KINESIS_MOCK_PLAIN_PORT", Integer.toString(kinesisPort),
                    // it always serves TLS too; on a port of its own so that tests in parallel JVMs do not collide
                    "KINESIS_MOCK_TLS_PORT", Integer.toString(freePort()),
                    "KINESIS_MOCK_CERT_PATH", main.resolveSibling("server.json").toString(),
                    "LOG_LEVEL", "WARN",
                    // the ITs of one JVM share this server and each makes streams of its own: kinesis-local's
                    // default account limit of 50 open shards was reached in a CI run, failing CreateStream
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
                    installed + " has no " + key + ": run runtime-kinesis/servers/install-servers.sh " + installed + " again"));
        }

        private static Process started(ProcessBuilder builder, Path log) throws IOException {
            return builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }

        /** Waits until each server answers a request, failing at once when one exits. */
        private void awaitAnswering() {
            Awaitility.await("kinesis-local on port " + kinesisPort + " and moto on port " + motoPort + " answering"
                            + " (logs in target/kinesis-servers)")
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500))
                    // not answering yet is what the wait is for; a server that exited will not answer
                    .ignoreExceptionsMatching(e -> !(e instanceof ServerExited))
                    .until(() -> {
                        for (Process process : processes) {
                            if (!process.isAlive()) {
                                throw new ServerExited(process.info().command().orElse("a server") + " exited with "
                                        + process.exitValue() + "; see its log in target/kinesis-servers");
                            }
                        }
                        call("listing streams", () -> clients.kinesis().listStreams());
                        call("listing tables", () -> clients.dynamoDb().listTables());
                        return true;
                    });
        }

        KinesisClients.Endpoints endpoints() {
            URI kinesis = URI.create("http://" + LOOPBACK + ":" + kinesisPort);
            URI moto = URI.create("http://" + LOOPBACK + ":" + motoPort);
            return new KinesisClients.Endpoints(REGION, Optional.of(kinesis), Optional.of(moto), Optional.of(moto));
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
                return socket.getLocalPort();
            }
        }

        @Override
        public void close() {
            if (clients != null) {
                clients.close();
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
}

package dev.weir.kinesis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.weir.kinesis.KinesisClients;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.local.LocalKinesisServers;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

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
    public static final Region REGION = LocalKinesisServers.REGION;
    public static final AwsCredentialsProvider CREDENTIALS = LocalKinesisServers.CREDENTIALS;

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KinesisServers.class);
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

    /** The servers of this test JVM, stopped when JUnit closes the root context's store. */
    private record Running(LocalKinesisServers servers) implements AutoCloseable {
        static Running start() {
            Path installed = installed();
            try {
                return new Running(LocalKinesisServers.start(installed,
                        installed.toAbsolutePath().resolveSibling("kinesis-servers")));
            } catch (IOException e) {
                throw new UncheckedIOException("starting the Kinesis test servers failed", e);
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

        @Override
        public void close() {
            servers.close();
        }
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
        return running().servers().endpoints();
    }

    /** Clients for the servers, shared by the tests and closed with the servers: do not close them. */
    public KinesisClients clients() {
        return running().servers().clients();
    }

    /** A name no other test of this JVM uses, for a stream or a Kinesis Client Library application. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }

    /**
     * How the tests read: leases of seconds and shard syncs every two, so that shards move and appear within a test's
     * patience, and short polls.
     */
    public static KinesisSourceSettings testReads(String application, String stream, String worker) {
        return KinesisSourceSettings.defaults(application, stream, worker)
                .withTimings(Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(2), Duration.ofSeconds(1))
                .withReads(Duration.ofMillis(500), 1_000, 2);
    }

    /** Creates a stream with that many shards and waits until it is active. */
    public void createStream(String stream, int shards) {
        running().servers().createStream(stream, shards);
    }

    public void deleteStream(String stream) {
        call("deleting stream " + stream, () -> clients().kinesis().deleteStream(request -> request
                .streamName(stream).enforceConsumerDeletion(true)));
    }

    /** Waits until the stream is active again, after a split or merge. */
    public void awaitActive(String stream) {
        running().servers().awaitActive(stream);
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
        return running().servers().shards(stream);
    }

    /** The result of one call to a server, waited for with a bound; failures as unchecked exceptions. */
    public static <T> T call(String what, Supplier<CompletableFuture<T>> request) {
        return LocalKinesisServers.call(what, request);
    }

}

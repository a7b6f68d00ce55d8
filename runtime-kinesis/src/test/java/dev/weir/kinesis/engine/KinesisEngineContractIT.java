package dev.weir.kinesis.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.StreamJob;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.contract.EngineContract;
import dev.weir.runtime.pipeline.Engine;
import dev.weir.runtime.pipeline.RecordListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The engines' contract on the Kinesis engine, against kinesis-local and moto: splits are the source stream's shards
 * in hash key order, each record put to its shard by an explicit hash key.
 */
class KinesisEngineContractIT extends EngineContract {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    @TempDir
    Path temp;

    @Override
    protected Duration patience() {
        // the Kinesis Client Library takes its first lease some 15 s after start with the short leases used here
        return Duration.ofSeconds(150);
    }

    @Override
    protected Run open(String body, int splits) throws Exception {
        TestJobStreams streams = TestJobStreams.created(servers, splits);
        String in = streams.in();
        String out = streams.out();
        String dlq = streams.dlq();
        StreamJob job = streams.job("contract", body);
        String application = KinesisServers.uniqueName("contract");
        KinesisSourceSettings reads = KinesisServers.testReads(application, in, application + "-worker");
        Started engine = start(job, new KinesisEngineSettings(reads, KinesisSinkSettings.defaults(), true,
                Duration.ofSeconds(30)), application, temp.resolve(application));
        List<Shard> shards = servers.openShards(in);
        Map<Integer, List<String>> sequences = new HashMap<>();
        return new Run() {
            @Override
            public void send(int split, List<String> lines) {
                Shard shard = shards.get(split);
                for (String line : lines) {
                    String sequence = KinesisServers.call("putting to " + shard.shardId(), () -> servers.clients()
                            .kinesis().putRecord(request -> request.streamName(in).partitionKey("split-" + split)
                                    .explicitHashKey(shard.hashKeyRange().startingHashKey())
                                    .data(SdkBytes.fromUtf8String(line)))).sequenceNumber();
                    sequences.computeIfAbsent(split, s -> new ArrayList<>()).add(sequence);
                }
            }

            @Override
            public void endInput() {
                for (Shard shard : shards) {
                    KinesisServers.call("ending " + shard.shardId(), () -> servers.clients().kinesis().putRecord(
                            request -> request.streamName(in).partitionKey(KinesisEngine.END_OF_INPUT_KEY)
                                    .explicitHashKey(shard.hashKeyRange().startingHashKey())
                                    .data(SdkBytes.fromUtf8String("end"))));
                }
            }

            @Override
            public void awaitEnd(Duration timeout) throws Exception {
                engine.drained().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public List<Map<String, Object>> awaitSinkRecords(int n, Duration timeout) {
                List<List<Map<String, Object>>> last = new ArrayList<>(List.of(List.of()));
                Awaitility.await(n + " sink records").atMost(timeout).pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            last.set(0, servers.jsonRecords(out));
                            return last.get(0).size() >= n;
                        });
                return last.get(0);
            }

            @Override
            public List<Map<String, Object>> sinkRecords() throws Exception {
                return servers.jsonRecords(out);
            }

            @Override
            public List<Map<String, Object>> deadLetters() throws Exception {
                return servers.jsonRecords(dlq);
            }

            @Override
            @SuppressWarnings("unchecked")
            public void assertPosition(Map<String, Object> deadLetter, int split, int index) {
                Map<String, Object> source = (Map<String, Object>) deadLetter.get("source");
                assertEquals(in, source.get("stream"), deadLetter.toString());
                assertEquals(shards.get(split).shardId(), source.get("shard"), deadLetter.toString());
                assertEquals(sequences.get(split).get(index), source.get("sequence_number"), deadLetter.toString());
            }

            @Override
            public void close() {
                engine.engine().close();
            }
        };
    }

    /** An engine under test, started, and what completes when its input has ended and its results are written. */
    protected record Started(Engine engine, CompletableFuture<Void> drained) {}

    /** Starts the engine that runs the contract: here the single-process Kinesis engine. */
    protected Started start(StreamJob job, KinesisEngineSettings settings, String application, Path stateDir)
            throws Exception {
        KinesisEngine engine = new KinesisEngine(job, settings, servers.clients(), new RecordListener() {},
                Optional.empty(), Optional.empty(), stateDir);
        engine.start();
        return new Started(engine, engine.drained());
    }

}

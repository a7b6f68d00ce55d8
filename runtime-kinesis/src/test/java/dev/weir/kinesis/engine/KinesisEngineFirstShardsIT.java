package dev.weir.kinesis.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.StreamJob;
import dev.weir.kinesis.KinesisRecord;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.RecordBatch;
import dev.weir.kinesis.ShardPosition;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.contract.EngineContract;
import dev.weir.runtime.pipeline.RecordListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kinesis Client Library hands a worker its shards over several assignment rounds, seconds apart. Here the test
 * hands them to the single-process engine itself, in the worst order: the second shard only once the first has been
 * read to its end. The second shard must still hold the watermark from the start, or the first closes windows that the
 * second's records belong to, and those are dead-lettered as late.
 */
class KinesisEngineFirstShardsIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final long BASE = EngineContract.BASE;
    private static final long SECOND = EngineContract.SECOND;

    @TempDir
    Path temp;

    private long sequence = 1;

    @Test
    void aShardStartedLaterFindsNoWindowClosedWithoutIt() throws Exception {
        TestJobStreams streams = TestJobStreams.created(servers, 2);
        StreamJob job = streams.job("late-lease", """
                  eventTime: {field: t}
                  pipeline:
                    - window: {keyBy: k, tumbling: 1m, allowedLateness: 0s, aggregate: {n: count()}}
                """);
        String application = KinesisServers.uniqueName("late-lease");
        KinesisEngine engine = new KinesisEngine(job, new KinesisEngineSettings(
                KinesisServers.testReads(application, streams.in(), application + "-worker"),
                KinesisSinkSettings.defaults(), true, Duration.ofSeconds(30)), servers.clients(),
                new RecordListener() {}, Optional.empty(), Optional.empty(), temp);
        try (engine) {
            engine.prepare();
            List<String> shards = servers.openShards(streams.in()).stream().map(s -> s.shardId()).toList();
            String first = shards.get(0);
            String second = shards.get(1);

            engine.shardStarted(first, Optional.empty());
            List<KinesisRecord> busy = new ArrayList<>();
            for (long s = 0; s <= 150; s += 5) {
                busy.add(record(first, "p", "{\"k\":\"b\",\"t\":" + (BASE + s * SECOND) + "}"));
            }
            engine.records(new RecordBatch(first, busy, OptionalLong.of(0)));
            engine.records(new RecordBatch(first, List.of(), OptionalLong.of(0)));
            assertEquals(List.of(), servers.jsonRecords(streams.out()),
                    "no window closes while the second shard has read nothing");

            engine.shardStarted(second, Optional.empty());
            engine.records(new RecordBatch(second, List.of(
                    record(second, "p", "{\"k\":\"a\",\"t\":" + (BASE + SECOND) + "}")), OptionalLong.of(0)));
            engine.records(new RecordBatch(first, List.of(record(first, KinesisEngine.END_OF_INPUT_KEY, "end")),
                    OptionalLong.of(0)));
            engine.records(new RecordBatch(second, List.of(record(second, KinesisEngine.END_OF_INPUT_KEY, "end")),
                    OptionalLong.of(0)));
            engine.drained().get(30, TimeUnit.SECONDS);
        }
        assertEquals(Set.of("a@2024-05-01T12:00:00Z n=1", "b@2024-05-01T12:00:00Z n=12",
                        "b@2024-05-01T12:01:00Z n=12", "b@2024-05-01T12:02:00Z n=7"),
                Set.copyOf(servers.jsonRecords(streams.out()).stream()
                        .map(r -> r.get("k") + "@" + r.get("window_start") + " n=" + r.get("n")).toList()));
        assertEquals(List.of(), servers.jsonRecords(streams.dlq()));
    }

    private KinesisRecord record(String shard, String partitionKey, String data) {
        return new KinesisRecord(shard, ShardPosition.of(Long.toString(sequence++)), Instant.now(), partitionKey,
                data.getBytes(StandardCharsets.UTF_8));
    }
}

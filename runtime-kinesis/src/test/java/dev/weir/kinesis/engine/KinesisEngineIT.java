package dev.weir.kinesis.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.kinesis.ShardPosition;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.pipeline.SortedMapStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The Kinesis engine against kinesis-local and moto: windows over several shards equal the ones computed from the
 * input, dead letters carry their reason, payload and shard position, a split mid-run neither loses a record nor makes
 * one late, and a restarted engine resumes from its checkpoint without counting a record twice.
 */
class KinesisEngineIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(150);
    /** One-minute windows; event times start here. */
    private static final long T0 = 1_700_000_000_000L;

    private final List<KinesisEngine> engines = new ArrayList<>();

    @TempDir
    Path temp;

    @AfterEach
    void closeEngines() {
        engines.forEach(KinesisEngine::close);
    }

    private static StreamJob job(String in, String out, String dlq, String lateness) throws Exception {
        return JobFiles.readString("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: kinesis-engine-it}
                spec:
                  source: {kinesis: {stream: %s, region: us-east-1}}
                  eventTime: {field: ts}
                  pipeline:
                    - filter: "value >= 0"
                    - window:
                        keyBy: sensor
                        tumbling: 1m
                        allowedLateness: %s
                        aggregate: {n: count(), total: sum(value)}
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                  processingGuarantee: at_least_once
                """.formatted(in, lateness, out, dlq), "KinesisEngineIT");
    }

    /** Seconds-long leases, checkpoints every second, end-of-input markers honoured. */
    private static KinesisEngineSettings settings(String application, String stream) {
        KinesisSourceSettings source = KinesisServers.testReads(application, stream, application + "-worker");
        return new KinesisEngineSettings(source, KinesisSinkSettings.defaults(), true, Duration.ofSeconds(1));
    }

    private KinesisEngine started(StreamJob job, String application, Optional<TaskCheckpoints> checkpoints)
            throws Exception {
        KinesisEngine engine = new KinesisEngine(job, settings(application, job.getSpec().source.kinesis.stream),
                servers.clients(),
                new RecordListener() {}, checkpoints, Optional.empty(), temp.resolve(application));
        engines.add(engine);
        engine.start();
        return engine;
    }

    private record Streams(String in, String out, String dlq) {
        static Streams created(int shards) {
            Streams s = new Streams(KinesisServers.uniqueName("in"), KinesisServers.uniqueName("out"),
                    KinesisServers.uniqueName("dlq"));
            servers.createStream(s.in, shards);
            servers.createStream(s.out, 1);
            servers.createStream(s.dlq, 1);
            return s;
        }
    }

    private static String reading(String sensor, long ts, int value) {
        return "{\"sensor\":\"" + sensor + "\",\"ts\":" + ts + ",\"value\":" + value + "}";
    }

    /** Ends the input of every open shard: a marker put straight to each by its hash key. */
    private static void endInput(String stream) {
        for (Shard shard : servers.openShards(stream)) {
            KinesisServers.call("ending " + shard.shardId(), () -> servers.clients().kinesis().putRecord(request -> request
                    .streamName(stream).partitionKey(KinesisEngine.END_OF_INPUT_KEY)
                    .explicitHashKey(shard.hashKeyRange().startingHashKey()).data(SdkBytes.fromUtf8String("end"))));
        }
    }

    private static List<Map<String, Object>> read(String stream) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        for (Collection<Record> shard : servers.records(stream).values()) {
            for (Record record : shard) {
                records.add(JSON.readValue(record.data().asByteArray(), new TypeReference<>() {}));
            }
        }
        return records;
    }

    /** (sensor, window start) → [count, sum], from the sink's window records. */
    private static Map<String, List<Long>> windows(List<Map<String, Object>> sink) {
        Map<String, List<Long>> windows = new TreeMap<>();
        for (Map<String, Object> w : sink) {
            String id = w.get("sensor") + "@" + w.get("window_start");
            List<Long> previous = windows.put(id, List.of(((Number) w.get("n")).longValue(),
                    ((Number) w.get("total")).longValue()));
            assertEquals(null, previous, "window " + id + " written twice: " + sink);
        }
        return windows;
    }

    /** What the windows must be: every reading with value ≥ 0 counted once. */
    private static Map<String, List<Long>> expected(List<long[]> readings) {
        Map<String, long[]> sums = new TreeMap<>();
        for (long[] r : readings) {
            if (r[2] < 0) {
                continue;
            }
            long start = r[1] - Math.floorMod(r[1], 60_000L);
            String id = "s" + r[0] + "@" + java.time.Instant.ofEpochMilli(start);
            long[] sum = sums.computeIfAbsent(id, k -> new long[2]);
            sum[0]++;
            sum[1] += r[2];
        }
        Map<String, List<Long>> expected = new TreeMap<>();
        sums.forEach((id, sum) -> expected.put(id, List.of(sum[0], sum[1])));
        return expected;
    }

    /** Readings {sensor, ts, value}: 5 sensors, event time rising by 1 s per reading, a few negative ones filtered. */
    private static List<long[]> readings(int from, int count) {
        List<long[]> readings = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            readings.add(new long[] {i % 5, T0 + i * 1_000L, i % 17 == 0 ? -1 : i % 100});
        }
        return readings;
    }

    private static void put(String stream, List<long[]> readings) {
        for (long[] r : readings) {
            servers.put(stream, "s" + r[0], reading("s" + r[0], r[1], (int) r[2]));
        }
    }

    private static void awaitDrained(KinesisEngine engine) throws Exception {
        engine.drained().get(DRAIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static String window(Map<String, Object> w) {
        return w.get("sensor") + "@" + w.get("window_start");
    }

    @Test
    void windowsOverSeveralShardsAreExactAndDeadLettersCarryReasonPayloadAndPosition() throws Exception {
        Streams s = Streams.created(3);
        KinesisEngine engine = started(job(s.in, s.out, s.dlq, "1h"), KinesisServers.uniqueName("app"),
                Optional.empty());
        List<long[]> readings = readings(0, 300);
        put(s.in, readings);
        servers.put(s.in, "bad", "not json");
        servers.put(s.in, "bad", "{\"sensor\":\"s1\",\"value\":3}");
        servers.put(s.in, "bad", "{\"ts\":" + T0 + ",\"value\":3}");
        endInput(s.in);
        awaitDrained(engine);

        assertEquals(expected(readings), windows(read(s.out)));
        List<Map<String, Object>> deadLetters = read(s.dlq);
        assertEquals(List.of("bad_event_time", "malformed", "missing_key"),
                deadLetters.stream().map(d -> (String) d.get("reason")).sorted().toList(), deadLetters.toString());
        for (Map<String, Object> d : deadLetters) {
            @SuppressWarnings("unchecked")
            Map<String, Object> source = (Map<String, Object>) d.get("source");
            assertEquals(s.in, source.get("stream"));
            assertTrue(((String) source.get("shard")).startsWith("shardId-"), d.toString());
            assertNotNull(source.get("sequence_number"), d.toString());
            assertNotNull(d.get("record"), d.toString());
        }
        assertTrue(deadLetters.stream().anyMatch(d -> "not json".equals(d.get("record"))), deadLetters.toString());
    }

    @Test
    void aSplitMidRunLosesNoRecordAndMakesNoneLate() throws Exception {
        Streams s = Streams.created(1);
        // no lateness: a child read before its parent ended would make the parent's last readings late
        KinesisEngine engine = started(job(s.in, s.out, s.dlq, "0s"), KinesisServers.uniqueName("app"),
                Optional.empty());
        List<long[]> first = readings(0, 200);
        put(s.in, first);
        servers.split(s.in, servers.openShards(s.in).get(0).shardId());
        List<long[]> second = readings(200, 200);
        put(s.in, second);
        endInput(s.in);
        awaitDrained(engine);

        List<long[]> all = new ArrayList<>(first);
        all.addAll(second);
        // every reading is on time in the order written per sensor; across the split, the children hold their own
        List<Map<String, Object>> deadLetters = read(s.dlq);
        assertEquals(List.of(), deadLetters, "no reading late or lost at the split");
        assertEquals(expected(all), windows(read(s.out)));
        assertEquals(3, servers.shards(s.in).size(), "the parent and its two children");
    }

    @Test
    void aRestartedEngineResumesFromItsCheckpointAndCountsNothingTwice() throws Exception {
        Streams s = Streams.created(2);
        // no lateness, so the first engine closes windows before it stops; each shard's readings rise in time
        StreamJob job = job(s.in, s.out, s.dlq, "0s");
        String application = KinesisServers.uniqueName("app");
        Path location = Files.createDirectories(temp.resolve("checkpoints"));
        TaskCheckpoints store = checkpointsAt(location);
        KinesisEngine first = started(job, application, Optional.of(store));
        List<long[]> before = readings(0, 200);
        put(s.in, before);
        Awaitility.await("the first engine checkpoints what it read").atMost(DRAIN_TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> first.processed() >= before.size() && !store.list().isEmpty()
                        && store.list().get(0).createdAt().toEpochMilli() > first.lastProcessedAt());
        first.close();
        engines.remove(first);
        List<Map<String, Object>> closedBeforeRestart = read(s.out);

        KinesisEngine second = started(job, application,
                Optional.of(checkpointsAt(location)));
        List<long[]> after = readings(200, 200);
        put(s.in, after);
        endInput(s.in);
        awaitDrained(second);

        List<long[]> all = new ArrayList<>(before);
        all.addAll(after);
        List<Map<String, Object>> sink = read(s.out);
        assertFalse(closedBeforeRestart.isEmpty(), "the first engine closed windows before it stopped");
        assertEquals(expected(all), windows(sink), "every reading counted once across the restart");
        Map<String, Integer> seen = new HashMap<>();
        sink.forEach(w -> seen.merge(window(w), 1, Integer::sum));
        assertTrue(seen.values().stream().allMatch(n -> n == 1), seen.toString());
        assertEquals(List.of(), read(s.dlq));
    }

    @Test
    void aNewJobRestoredFromASavepointStartsWhereTheSavepointWas() throws Exception {
        Streams s = Streams.created(2);
        StreamJob job = job(s.in, s.out, s.dlq, "0s");
        Path location = Files.createDirectories(temp.resolve("savepoints"));
        TaskCheckpoints old = TaskCheckpoints.open(location.toUri(), "old-job", CheckpointSettings.defaults());
        KinesisEngine first = started(job, KinesisServers.uniqueName("old"), Optional.of(old));
        List<long[]> before = readings(0, 200);
        put(s.in, before);
        Awaitility.await("the old job reads the first readings").atMost(DRAIN_TIMEOUT)
                .pollInterval(Duration.ofMillis(500)).until(() -> first.processed() >= before.size());
        String savepoint = first.savepoint().toCompletableFuture().get(60, TimeUnit.SECONDS);
        first.close();
        engines.remove(first);
        int writtenByTheOldJob = read(s.out).size();

        // a new job: a lease table of its own (KCL would read from the trim horizon), its own checkpoints, and the
        // old job's savepoint to start from
        KinesisEngine second = new KinesisEngine(job, settings(KinesisServers.uniqueName("new"), s.in), servers.clients(),
                new RecordListener() {},
                Optional.of(TaskCheckpoints.open(Files.createDirectories(temp.resolve("new")).toUri(), "new-job",
                        CheckpointSettings.defaults())),
                Optional.of(TaskCheckpoints.openSavepoints(old.jobLocation(), CheckpointSettings.defaults())),
                temp.resolve("new-state"));
        engines.add(second);
        second.start();
        List<long[]> after = readings(200, 200);
        put(s.in, after);
        endInput(s.in);
        awaitDrained(second);

        List<long[]> all = new ArrayList<>(before);
        all.addAll(after);
        assertTrue(writtenByTheOldJob > 0, "the old job closed windows before its savepoint " + savepoint);
        assertEquals(expected(all), windows(read(s.out)),
                "the new job counts from the savepoint on: nothing before it twice, nothing after it missed");
        assertEquals(List.of(), read(s.dlq));
    }

    /**
     * A pod stopped seconds after it started (suspended, scaled to zero, rolled) before the Kinesis Client Library gave
     * it its shards: its savepoint must still say where the state it restored ends. The e2e suite found it writing none,
     * and the next start counted a shard's records twice.
     */
    @Test
    void anEngineStoppedBeforeItsShardsStartKeepsTheRestoredPositionsInItsSavepoint() throws Exception {
        Streams s = Streams.created(2);
        StreamJob job = job(s.in, s.out, s.dlq, "0s");
        String application = KinesisServers.uniqueName("app");
        Path location = Files.createDirectories(temp.resolve("stopped-early"));
        KinesisEngine first = started(job, application, Optional.of(checkpointsAt(location)));
        List<long[]> readings = readings(0, 100);
        put(s.in, readings);
        Awaitility.await("the first engine reads every reading").atMost(DRAIN_TIMEOUT)
                .pollInterval(Duration.ofMillis(500)).until(() -> first.processed() >= readings.size());
        first.close();
        engines.remove(first);
        Map<String, ShardPosition> positions = latestPositions(location);
        assertEquals(2, positions.size(), "the first engine's savepoint holds both shards: " + positions);

        KinesisEngine second = started(job, application, Optional.of(checkpointsAt(location)));
        second.close(); // at once: the library takes its leases seconds after the start
        engines.remove(second);
        assertEquals(positions, latestPositions(location),
                "the second engine's savepoint says where the state it restored ends");
    }

    private static TaskCheckpoints checkpointsAt(Path location) throws Exception {
        return TaskCheckpoints.open(location.toUri(), "kinesis-engine-it", CheckpointSettings.defaults());
    }

    /** The shard positions of the newest checkpoint or savepoint at {@code location}. */
    private Map<String, ShardPosition> latestPositions(Path location) throws Exception {
        Path dir = Files.createTempDirectory(temp, "latest");
        checkpointsAt(location).restoreLatest(KinesisEngine.TASK_ID, dir).orElseThrow();
        return KinesisSnapshot.read(dir, new SortedMapStore()).positions();
    }
}

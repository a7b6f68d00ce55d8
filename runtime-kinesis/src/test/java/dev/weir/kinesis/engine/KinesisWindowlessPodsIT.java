package dev.weir.kinesis.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.pipeline.RecordListener;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kinesis job without a window on two pods (two engines of one application, against kinesis-local and moto): the
 * source shards spread over both, each record's result is written once by the pod that read it, a pod stopped
 * gracefully hands its shards to the other without a record lost or written twice, and no shuffle stream is made.
 */
class KinesisWindowlessPodsIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final int SHARDS = 4;
    private static final int RECORDS = 400;

    private final List<KinesisShuffleEngine> engines = new ArrayList<>();

    @TempDir
    Path temp;

    @AfterEach
    void closeEngines() {
        engines.forEach(KinesisShuffleEngine::close);
    }

    @Test
    void twoPodsShareTheShards_andOneStoppedHandsItsShardsOverWithoutLossOrRepeat() throws Exception {
        TestJobStreams streams = TestJobStreams.created(servers, SHARDS);
        String in = streams.in();
        String out = streams.out();
        String dlq = streams.dlq();
        StreamJob job = streams.job("windowless-pods", """
                  replicas: 2
                  pipeline:
                    - filter: "value >= 0"
                    - map: {id: "id", doubled: "value * 2"}
                  processingGuarantee: at_least_once
                """);
        String application = KinesisServers.uniqueName("windowless");
        String shuffleStream = KinesisServers.uniqueName("shuffle");
        // each pod opens the job's checkpoint store on its own, as pods do
        URI store = Files.createDirectories(temp.resolve("store")).toUri();

        Map<Integer, Long> expected = new TreeMap<>();
        List<Integer> malformed = new ArrayList<>();
        KinesisShuffleEngine a = started(job, application, "pod-a", shuffleStream, store);
        KinesisShuffleEngine b = started(job, application, "pod-b", shuffleStream, store);
        // the shards a pod holds are the ones it reports how far behind it is on
        Awaitility.await("both pods hold shards").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !a.millisBehindLatest().isEmpty() && !b.millisBehindLatest().isEmpty());
        send(in, 0, RECORDS / 2, expected, malformed);
        awaitSink(out, RECORDS / 2 - countIn(malformed, 0, RECORDS / 2) - filteredIn(0, RECORDS / 2));
        assertTrue(a.processed() > 0 && b.processed() > 0, "both pods read records: " + a.processed() + " and "
                + b.processed() + " of " + RECORDS / 2);

        a.close();
        engines.remove(a);
        send(in, RECORDS / 2, RECORDS, expected, malformed);
        awaitSink(out, expected.size());

        Map<Integer, Long> written = new TreeMap<>();
        List<Map<String, Object>> sink = servers.jsonRecords(out);
        for (Map<String, Object> record : sink) {
            assertEquals(2, record.size(), "the map keeps id and doubled only: " + record);
            Long previous = written.put(((Number) record.get("id")).intValue(), ((Number) record.get("doubled")).longValue());
            assertEquals(null, previous, "record " + record.get("id") + " written twice");
        }
        assertEquals(expected, written, "every record that passed the filter, once, mapped");
        assertEquals(sink.size(), written.size());

        List<Map<String, Object>> deadLetters = servers.jsonRecords(dlq);
        assertEquals(malformed.size(), deadLetters.size(), deadLetters.toString());
        for (Map<String, Object> deadLetter : deadLetters) {
            assertEquals("malformed", deadLetter.get("reason"), deadLetter.toString());
        }
        assertTrue(b.health().up(), b.health().message());
        assertFalse(KinesisServers.call("listing streams", () -> servers.clients().kinesis().listStreams())
                .streamNames().contains(shuffleStream), "a job without a window makes no shuffle stream");
    }

    /** Readings {@code from} to {@code to}: every tenth negative (filtered out), every 50th not JSON. */
    private static void send(String in, int from, int to, Map<Integer, Long> expected, List<Integer> malformed) {
        for (int id = from; id < to; id++) {
            if (id % 50 == 7) {
                servers.put(in, "p" + id, "{not json " + id);
                malformed.add(id);
                continue;
            }
            int value = id % 10 == 3 ? -1 : id;
            servers.put(in, "p" + id, "{\"id\":" + id + ",\"value\":" + value + "}");
            if (value >= 0) {
                expected.put(id, 2L * value);
            }
        }
    }

    private static long countIn(List<Integer> ids, int from, int to) {
        return ids.stream().filter(id -> id >= from && id < to).count();
    }

    private static long filteredIn(int from, int to) {
        long n = 0;
        for (int id = from; id < to; id++) {
            if (id % 50 != 7 && id % 10 == 3) {
                n++;
            }
        }
        return n;
    }

    private static void awaitSink(String out, long n) {
        Awaitility.await(n + " records in the sink").atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofSeconds(1)).until(() -> servers.jsonRecords(out).size() >= n);
    }

    private KinesisShuffleEngine started(StreamJob job, String application, String worker, String shuffleStream,
                                         URI store) throws Exception {
        KinesisSourceSettings source = KinesisServers.testReads(application, job.getSpec().source.kinesis.stream,
                worker);
        KinesisEngineSettings settings = new KinesisEngineSettings(source, KinesisSinkSettings.defaults(), false,
                Duration.ofSeconds(1));
        KinesisShuffleEngine engine = new KinesisShuffleEngine(job, settings,
                new ShuffleSettings(shuffleStream, 2, Duration.ofMillis(500)), servers.clients(),
                new RecordListener() {}, TaskCheckpoints.open(store, "windowless", CheckpointSettings.defaults()),
                temp.resolve(worker));
        engines.add(engine);
        engine.start();
        return engine;
    }
}

package dev.weir.kinesis.engine;

import static dev.weir.runtime.contract.WindowAssertions.assertSameWindows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.contract.EngineContract;
import dev.weir.runtime.contract.ReferenceWindows;
import dev.weir.runtime.pipeline.RecordListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spec.restoreFrom} on several pods: a windowed Kinesis job on the shuffle engine is stopped (its savepoint at
 * shutdown) as soon as it has read the first half of the input, so that some of what its source task sent to its
 * shuffle stream is not yet in its window tasks' savepoints; a new job, with a lease table, a shuffle stream and
 * checkpoints of its own, starts from those savepoints and reads the rest. Together the two must give the results of
 * one uninterrupted run: every window once with its exact aggregates, every late record dead-lettered once, every
 * malformed record dead-lettered once.
 */
class KinesisShuffleRestoreIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 400;

    private final List<KinesisShuffleEngine> engines = new ArrayList<>();

    @TempDir
    Path temp;

    @AfterEach
    void closeEngines() {
        engines.forEach(KinesisShuffleEngine::close);
    }

    @Test
    void aNewJobOnSeveralPodsRestoredFromSavepointsGivesTheResultsOfOneUninterruptedRun() throws Exception {
        TestJobStreams streams = TestJobStreams.created(servers, 1);
        String out = streams.out();
        StreamJob job = streams.job("restored-pods", """
                  processingGuarantee: at_least_once
                  replicas: 3
                """ + windowJob());
        List<ReferenceWindows.Event> events = EngineContract.generate(77, EVENTS, 60 * EngineContract.SECOND);
        ReferenceWindows.Result expected = ReferenceWindows.run(events, "tumbling", 60_000, 60_000,
                10 * EngineContract.SECOND);
        Set<String> malformed = new TreeSet<>();

        Path oldStore = Files.createDirectories(temp.resolve("old-store"));
        TaskCheckpoints old = TaskCheckpoints.open(oldStore.toUri(), "old-job", CheckpointSettings.defaults());
        KinesisShuffleEngine first = started(job, KinesisServers.uniqueName("old"), old, Optional.empty());
        int quarter = EVENTS / 4;
        streams.send(events.subList(0, quarter), malformed);
        Awaitility.await("the old job's window tasks close windows").atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofMillis(500)).until(() -> !servers.jsonRecords(out).isEmpty());
        int half = EVENTS / 2;
        streams.send(events.subList(quarter, half), malformed);
        Awaitility.await("the old job reads the first half").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).until(() -> first.processed() >= half + malformed.size());
        // at once: what its source task sent last is, most likely, still in its shuffle stream only
        first.close();
        engines.remove(first);
        int windowsOfTheOldJob = servers.jsonRecords(out).size();

        TaskCheckpoints own = TaskCheckpoints.open(Files.createDirectories(temp.resolve("new-store")).toUri(),
                "new-job", CheckpointSettings.defaults());
        KinesisShuffleEngine second = started(job, KinesisServers.uniqueName("new"), own,
                Optional.of(TaskCheckpoints.openSavepoints(old.jobLocation(), CheckpointSettings.defaults())));
        streams.send(events.subList(half, EVENTS), malformed);
        streams.endInput();
        second.drained().get(240, TimeUnit.SECONDS);

        assertTrue(windowsOfTheOldJob > 0, "the old job closed windows before it stopped");
        List<Map<String, Object>> windows = servers.jsonRecords(out);
        assertSameWindows(expected.windows(), windows, "k");
        Set<Long> late = new TreeSet<>();
        Set<String> malformedDeadLetters = new TreeSet<>();
        List<Map<String, Object>> deadLetters = servers.jsonRecords(streams.dlq());
        for (Map<String, Object> deadLetter : deadLetters) {
            String record = (String) deadLetter.get("record");
            if ("late".equals(deadLetter.get("reason"))) {
                Map<String, Object> event = JSON.readValue(record, new TypeReference<>() {});
                assertTrue(late.add(((Number) event.get("i")).longValue()), "dead-lettered twice: " + deadLetter);
            } else {
                assertEquals("malformed", deadLetter.get("reason"), deadLetter.toString());
                assertTrue(malformedDeadLetters.add(record), "dead-lettered twice: " + deadLetter);
            }
        }
        assertEquals(expected.lateOffsets(), late, "late records, each once");
        assertEquals(malformed, malformedDeadLetters, "malformed records, each once");
    }

    private static String windowJob() {
        return """
                  eventTime: {field: t}
                  pipeline:
                    - window:
                        keyBy: k
                        tumbling: 1m
                        allowedLateness: 10s
                        aggregate: {n: count(), total: sum(v), lo: min(v), hi: max(v), mean: avg(v)}
                """;
    }


    private KinesisShuffleEngine started(StreamJob job, String application, TaskCheckpoints checkpoints,
                                         Optional<TaskCheckpoints> restoreFrom) throws Exception {
        KinesisSourceSettings source = KinesisServers.testReads(application, job.getSpec().source.kinesis.stream,
                application + "-worker");
        KinesisEngineSettings settings = new KinesisEngineSettings(source, KinesisSinkSettings.defaults(), true,
                Duration.ofSeconds(30));
        KinesisShuffleEngine engine = new KinesisShuffleEngine(job, settings,
                new ShuffleSettings(KinesisServers.uniqueName("shuffle"), 3, Duration.ofMillis(500)),
                servers.clients(), new RecordListener() {}, checkpoints, restoreFrom, temp.resolve(application));
        engines.add(engine);
        engine.start();
        return engine;
    }
}

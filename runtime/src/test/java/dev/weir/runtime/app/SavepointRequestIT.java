package dev.weir.runtime.app;

import static dev.weir.runtime.app.ServeProcesses.caughtUp;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.SavepointRequests;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.runtime.testing.KafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An on-demand savepoint with the packaged runtime ({@code weir serve}): a new nonce in the request file next to the
 * job file (where the operator's ConfigMap puts it), or one already there when the process starts, makes it store a
 * savepoint of each window task, with no periodic checkpoint in between (the interval is an hour) and without
 * stopping.
 */
@ExtendWith(KafkaBroker.class)
class SavepointRequestIT {
    private static final int PARTITIONS = 2;
    private static final long BASE = 1_714_564_800_000L;

    @TempDir
    Path tmp;

    @Test
    void aNewNonceInTheRequestFileWritesASavepointOfEachTask(KafkaBroker kafka) throws Exception {
        Job job = job(kafka);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            whileRunning(job, store -> {
                await().atMost(Duration.ofSeconds(90)).until(() -> caughtUp(admin, job.group(), job.source(), PARTITIONS));
                assertEquals(List.of(), store.list(), "no checkpoint before the request");
                Files.writeString(job.file().resolveSibling(SavepointRequests.FILE), "nonce-1");
            });
        }
    }

    /** The operator keeps a nonce in the file only while its request is pending: a pod that starts then serves it. */
    @Test
    void aNonceAlreadyInTheFileAtStartIsPendingAndWritesASavepointOfEachTaskOnceTheyRun(KafkaBroker kafka)
            throws Exception {
        Job job = job(kafka);
        Files.writeString(job.file().resolveSibling(SavepointRequests.FILE), "nonce-before-start");
        whileRunning(job, store -> { });
    }

    private interface Step {
        void run(TaskCheckpoints store) throws Exception;
    }

    /** Starts the runtime, runs {@code request}, then expects a savepoint of each task while the runtime keeps running. */
    private void whileRunning(Job job, Step request) throws Exception {
        Process runtime = start(job.file());
        try (TaskCheckpoints store = job.store()) {
            request.run(store);
            awaitSavepointOfEachTask(store);
            assertTrue(runtime.isAlive(), "a savepoint on demand does not stop the runtime");
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("log:\n" + Files.readString(tmp.resolve("runtime.log.out")), e);
        } finally {
            stop(runtime);
        }
    }

    private record Job(Path file, Path location, String name, String source) {
        String group() {
            return "weir-" + name;
        }

        TaskCheckpoints store() {
            return TaskCheckpoints.open(location.toUri(), group(), CheckpointSettings.defaults());
        }
    }

    /** A windowed job with checkpoints every hour (so none but savepoints come), its topics and some records. */
    private Job job(KafkaBroker kafka) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String name = "sp-" + id;
        String source = "sp-in-" + id;
        kafka.createTopic(source, PARTITIONS);
        kafka.createTopic("sp-out-" + id, 1);
        kafka.createTopic("sp-dlq-" + id, 1);
        Path location = Files.createDirectories(tmp.resolve("checkpoints"));
        Path jobFile = Files.createDirectories(tmp.resolve("etc-weir")).resolve("job.yaml");
        Files.writeString(jobFile, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  eventTime: {field: t, idleTimeout: 10m}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, aggregate: {n: count()}}
                  sink: {kafka: {topic: sp-out-%s}}
                  deadLetter: {kafka: {topic: sp-dlq-%s}}
                  checkpoints: {location: "%s", interval: 1h}
                """.formatted(name, kafka.bootstrapServers(), source, id, id, location.toUri()));
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            events.add("{\"k\":\"k" + (i % 6) + "\",\"t\":" + (BASE + i * 100L) + "}");
        }
        kafka.produce(source, events);
        return new Job(jobFile, location, name, source);
    }

    private static void awaitSavepointOfEachTask(TaskCheckpoints store) {
        List<CheckpointInfo> stored = await().atMost(Duration.ofSeconds(90)).until(store::list,
                list -> list.stream().map(CheckpointInfo::taskId).distinct().count() == PARTITIONS);
        assertTrue(stored.stream().allMatch(CheckpointInfo::savepoint), stored.toString());
    }

    private static void stop(Process runtime) throws InterruptedException {
        runtime.destroy();
        runtime.waitFor(60, TimeUnit.SECONDS);
    }


    private Process start(Path jobFile) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder pb = RuntimeProcess.builder(tmp.resolve("runtime.log"),
                List.of("-Dquarkus.management.port=" + port, "-Dquarkus.http.port=0"), "serve", jobFile.toString());
        pb.environment().put("WEIR_STATE_DIR", tmp.resolve("state").toString());
        return pb.start();
    }
}

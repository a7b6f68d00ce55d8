package dev.weir.runtime.app;

import static dev.weir.runtime.app.ServeProcesses.freePort;
import static dev.weir.runtime.app.ServeProcesses.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.JobFiles;
import dev.weir.api.SavepointRequests;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.SinkRecord;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.state.JobCheckpointStores;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The packaged runtime serving a Kinesis job as a pod does: the app picks the Kinesis engine from the spec, reports
 * its health and metrics on the management port, and after a SIGKILL mid-stream a new process restores the window
 * state and shard positions from the checkpoint: every window counted exactly once (a window written again after the
 * crash is identical), nothing dead-lettered.
 */
class KinesisServeIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final long BASE = 1_714_564_800_000L;
    private static final int EVENTS = 3000;

    @TempDir
    Path tmp;

    @Test
    void killedMidStreamARestartedProcessCountsEveryRecordOnce() throws Exception {
        String in = KinesisServers.uniqueName("serve-in");
        String out = KinesisServers.uniqueName("serve-out");
        String dlq = KinesisServers.uniqueName("serve-dlq");
        servers.createStream(in, 2);
        servers.createStream(out, 1);
        servers.createStream(dlq, 1);
        Path job = tmp.resolve("job.yaml");
        Files.writeString(job, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: kinesis-serve}
                spec:
                  source: {kinesis: {stream: %s, region: us-east-1, endpoint: "%s"}}
                  eventTime: {field: t, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, allowedLateness: 1m, aggregate: {n: count(), total: sum(v)}}
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                  processingGuarantee: at_least_once
                  checkpoints: {location: "%s", interval: 1s}
                """.formatted(in, servers.endpoints().kinesis().orElseThrow(), out, dlq,
                tmp.resolve("checkpoints").toUri()));

        List<SinkRecord> events = new ArrayList<>();
        Map<String, List<Long>> expected = new TreeMap<>();
        for (int i = 0; i < EVENTS; i++) {
            long t = BASE + i * 100L;
            String k = "k" + (i % 3);
            events.add(new SinkRecord("r" + i, ("{\"k\":\"" + k + "\",\"t\":" + t + ",\"v\":" + i + "}")
                    .getBytes(StandardCharsets.UTF_8)));
            String window = k + "@" + Instant.ofEpochMilli(t - t % 10_000);
            List<Long> w = expected.computeIfAbsent(window, x -> new ArrayList<>(List.of(0L, 0L)));
            w.set(0, w.get(0) + 1);
            w.set(1, w.get(1) + i);
        }
        KinesisSink input = new KinesisSink(servers.clients().kinesis(), in, KinesisSinkSettings.defaults());
        HttpClient http = HttpClient.newHttpClient();

        input.put(events.subList(0, EVENTS / 2));
        int port = freePort();
        Process first = start(job, port, "first");
        try {
            try {
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> get(http, port, "/q/health/ready").contains("\"UP\""));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("not ready: " + get(http, port, "/q/health/ready") + "\n" + logs("first"), e);
            }
            assertTrue(get(http, port, "/q/health/ready").contains("kinesis engine"),
                    "the pod's readiness is the Kinesis engine's: " + get(http, port, "/q/health/ready"));
            await().atMost(Duration.ofSeconds(150)).until(() -> windows(out).size() >= 10);
            String metrics = get(http, port, "/q/metrics");
            assertTrue(metrics.contains("weir_records_in_total"), "the Kafka engine's job metrics: " + metrics);
            await().atMost(Duration.ofSeconds(30)).until(() -> get(http, port, "/q/metrics")
                    .contains("weir_kinesis_millis_behind_latest"));
            // the operator's on-demand savepoint (suspend, delete): a nonce in the file beside the job file
            TaskCheckpoints store = JobCheckpointStores.open(JobFiles.read(job)).orElseThrow();
            Instant requested = Instant.now();
            Files.writeString(job.resolveSibling(SavepointRequests.FILE), "nonce-1\n");
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> store.list().stream()
                        .anyMatch(c -> c.savepoint() && !c.createdAt().isBefore(requested.minusSeconds(1))));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no savepoint on request: " + store.list() + "\n" + logs("first"), e);
            }
            // a checkpoint after what it has written, at most an interval later
            Thread.sleep(3_000);
        } finally {
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        int beforeCrash = windows(out).size();

        input.put(events.subList(EVENTS / 2, EVENTS));
        // a reading an hour later on every shard closes every window of the test (their own stays open)
        for (Shard shard : servers.openShards(in)) {
            KinesisServers.call("putting the last reading", () -> servers.clients().kinesis().putRecord(request -> request
                    .streamName(in).partitionKey("last").explicitHashKey(shard.hashKeyRange().startingHashKey())
                    .data(SdkBytes.fromUtf8String("{\"k\":\"k0\",\"t\":" + (BASE + 3_600_000L) + ",\"v\":0}"))));
        }
        Process second = start(job, freePort(), "second");
        try {
            try {
                await().atMost(Duration.ofSeconds(180)).until(() -> windowIds(out).containsAll(expected.keySet()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(windowIds(out).size() + " of " + expected.size() + " windows\n"
                        + logs("first") + "\n--- restarted:\n" + logs("second"), e);
            }
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
        List<Map<String, Object>> written = windows(out);
        Map<String, List<Long>> seen = new TreeMap<>();
        Map<String, Integer> copies = new HashMap<>();
        for (Map<String, Object> w : written) {
            String id = w.get("k") + "@" + w.get("window_start");
            List<Long> value = List.of(((Number) w.get("n")).longValue(), ((Number) w.get("total")).longValue());
            List<Long> previous = seen.put(id, value);
            assertTrue(previous == null || previous.equals(value),
                    "window " + id + " written twice with different results: " + previous + " and " + value);
            copies.merge(id, 1, Integer::sum);
        }
        assertEquals(expected, seen, "every reading counted exactly once across the crash");
        assertEquals(List.of(), servers.jsonRecords(dlq), "nothing dead-lettered");
        System.out.printf("KinesisServeIT: %d windows, %d written before the kill, %d written twice%n",
                expected.size(), beforeCrash, copies.values().stream().filter(n -> n > 1).count());
    }

    private Process start(Path job, int port, String name) throws Exception {
        return ServeProcesses.serveKinesis(tmp, job, tmp.resolve("state-" + name), port, name, servers).start();
    }

    private String logs(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log")) + Files.readString(tmp.resolve(name + ".log.out"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }


    private static List<Map<String, Object>> windows(String stream) throws Exception {
        return servers.jsonRecords(stream);
    }

    private static Set<String> windowIds(String stream) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (Map<String, Object> w : servers.jsonRecords(stream)) {
            ids.add(w.get("k") + "@" + w.get("window_start"));
        }
        return ids;
    }
}

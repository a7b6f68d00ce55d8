package dev.weir.runtime.app;

import static dev.weir.runtime.app.ServeProcesses.freePort;
import static dev.weir.runtime.app.ServeProcesses.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.SinkRecord;
import dev.weir.kinesis.testing.KinesisServers;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * A Kinesis job on several pods: two packaged runtime processes serve one job whose window key is not the stream's
 * partition key, so every keyed record crosses the job's shuffle stream. The two share the source shards and the
 * window tasks; one is killed with SIGKILL mid-stream, and the other takes its shards and window tasks from the
 * checkpoints: every window exactly once in its results, a window written again only after the kill and identical,
 * nothing dead-lettered.
 */
class KinesisShuffleServeIT {

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    private static final long BASE = 1_714_564_800_000L;
    private static final int EVENTS = 3000;
    private static final Pattern TASK_START = Pattern.compile("(source shard|window task) (shardId-\\d+) of \\S+ starts");

    @TempDir
    Path tmp;

    @Test
    void twoPodsShareTheShardsAndWindowsAndOneKilledLosesAndDoublesNothing() throws Exception {
        String in = KinesisServers.uniqueName("shared-in");
        String out = KinesisServers.uniqueName("shared-out");
        String dlq = KinesisServers.uniqueName("shared-dlq");
        servers.createStream(in, 4);
        servers.createStream(out, 1);
        servers.createStream(dlq, 1);
        Path job = tmp.resolve("job.yaml");
        String name = KinesisServers.uniqueName("shared");
        Files.writeString(job, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: it}
                spec:
                  source: {kinesis: {stream: %s, region: us-east-1, endpoint: "%s"}}
                  eventTime: {field: t, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, allowedLateness: 1m, aggregate: {n: count(), total: sum(v)}}
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                  processingGuarantee: at_least_once
                  checkpoints: {location: "%s", interval: 1s}
                  scaling: {minReplicas: 1, maxReplicas: 4}
                """.formatted(name, in, servers.endpoints().kinesis().orElseThrow(), out, dlq,
                tmp.resolve("checkpoints").toUri()));

        List<SinkRecord> events = new ArrayList<>();
        Map<String, List<Long>> expected = new TreeMap<>();
        for (int i = 0; i < EVENTS; i++) {
            long t = BASE + i * 100L;
            String k = "k" + (i % 10);
            // the partition key spreads a key's readings over every shard: they meet only through the shuffle
            events.add(new SinkRecord("r" + i, ("{\"k\":\"" + k + "\",\"t\":" + t + ",\"v\":" + i + "}")
                    .getBytes(StandardCharsets.UTF_8)));
            String window = k + "@" + Instant.ofEpochMilli(t - t % 10_000);
            List<Long> w = expected.computeIfAbsent(window, x -> new ArrayList<>(List.of(0L, 0L)));
            w.set(0, w.get(0) + 1);
            w.set(1, w.get(1) + i);
        }
        KinesisSink input = new KinesisSink(servers.clients().kinesis(), in, KinesisSinkSettings.defaults());
        HttpClient http = HttpClient.newHttpClient();

        int portA = freePort();
        int portB = freePort();
        Process a = start(job, portA, "a");
        Process b = start(job, portB, "b");
        int beforeKill;
        try {
            try {
                await().atMost(Duration.ofSeconds(180)).until(() ->
                        get(http, portA, "/q/health/ready").contains("\"UP\"")
                                && get(http, portB, "/q/health/ready").contains("\"UP\"")
                                && holds("b").size() >= 2 && holds("a").size() >= 2
                                && holds("b").stream().anyMatch(t -> t.startsWith("window"))
                                && holds("b").stream().anyMatch(t -> t.startsWith("source")));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the two processes do not share the shards and window tasks: a holds "
                        + holds("a") + ", b holds " + holds("b") + "\n--- a:\n" + logs("a") + "\n--- b:\n" + logs("b"), e);
            }
            assertTrue(logs("a").contains("cross the shuffle stream"), logs("a"));
            input.put(events.subList(0, EVENTS / 2));
            await().atMost(Duration.ofSeconds(240)).until(() -> servers.jsonRecords(out).size() >= 20);
            // a checkpoint after what b has written, at most an interval later
            Thread.sleep(2_000);
        } finally {
            b.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        beforeKill = servers.jsonRecords(out).size();
        System.out.printf("KinesisShuffleServeIT: a held %s, b held %s when b was killed%n", holds("a"), holds("b"));
        try {
            input.put(events.subList(EVENTS / 2, EVENTS));
            // a reading an hour later on every shard closes every window of the test (their own stays open)
            for (Shard shard : servers.openShards(in)) {
                KinesisServers.call("putting the last reading", () -> servers.clients().kinesis().putRecord(r -> r
                        .streamName(in).partitionKey("last").explicitHashKey(shard.hashKeyRange().startingHashKey())
                        .data(SdkBytes.fromUtf8String("{\"k\":\"k0\",\"t\":" + (BASE + 3_600_000L) + ",\"v\":0}"))));
            }
            try {
                await().atMost(Duration.ofSeconds(300)).until(() -> windowIds(out).containsAll(expected.keySet()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(windowIds(out).size() + " of " + expected.size() + " windows\n--- a:\n"
                        + logs("a") + "\n--- b (killed):\n" + logs("b"), e);
            }
        } finally {
            a.destroy();
            a.waitFor(30, TimeUnit.SECONDS);
        }
        List<Map<String, Object>> written = servers.jsonRecords(out);
        Map<String, List<Long>> seen = new TreeMap<>();
        int twice = 0;
        for (int i = 0; i < written.size(); i++) {
            Map<String, Object> w = written.get(i);
            String id = w.get("k") + "@" + w.get("window_start");
            List<Long> value = List.of(((Number) w.get("n")).longValue(), ((Number) w.get("total")).longValue());
            List<Long> previous = seen.put(id, value);
            if (previous != null) {
                twice++;
                assertEquals(previous, value, "window " + id + " written twice with different results");
                assertTrue(i >= beforeKill, "window " + id + " written twice before the kill (record " + i + ")");
            }
        }
        assertEquals(expected, seen, "every reading counted exactly once across the kill");
        assertEquals(List.of(), servers.jsonRecords(dlq), "nothing dead-lettered");
        System.out.printf("KinesisShuffleServeIT: %d windows, %d written before the kill, %d written twice after it%n",
                expected.size(), beforeKill, twice);
    }

    /** The tasks a process took ("source shardId-…", "window shardId-…"), from its log. */
    private Set<String> holds(String name) {
        Set<String> tasks = new TreeSet<>();
        Matcher m = TASK_START.matcher(logs(name));
        while (m.find()) {
            tasks.add((m.group(1).startsWith("source") ? "source " : "window ") + m.group(2));
        }
        return tasks;
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

    private static Set<String> windowIds(String stream) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (Map<String, Object> w : servers.jsonRecords(stream)) {
            ids.add(w.get("k") + "@" + w.get("window_start"));
        }
        return ids;
    }
}

package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.operator.autoscaler.Decision;
import dev.weir.operator.autoscaler.Reason;
import dev.weir.operator.autoscaler.Tuning;
import dev.weir.operator.lag.KafkaLagProbe;
import dev.weir.operator.observe.Autoscaling;
import dev.weir.operator.observe.ScalingMetrics;
import dev.weir.runtime.contract.WindowAssertions;
import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.testing.KafkaBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lag autoscaling on a real broker with real runtime processes: the operator's polling and decision
 * ({@link Autoscaling} with {@link KafkaLagProbe}, as the reconciler calls it) size a {@link RuntimePods} stand-in for
 * the StatefulSet, one poll a second. A burst found at zero pods wakes the job up to as many pods as the source has
 * partitions, the lag drains, the job scales down after the window (the stopped pods leave the consumer group at once)
 * and stops after the idle timeout; new records wake
 * it again; the sink (read_committed) has every window exactly once. The timeline goes to target/autoscaling/.
 */
@ExtendWith(KafkaBroker.class)
class AutoscalingIT {
    private static final int PARTITIONS = 3;
    private static final int BURST = 30_000;
    private static final int LATER = 3_000;
    private static final long EVENT_SPACING_MS = 10;
    private static final long WINDOW_MS = 10_000;
    private static final Path TIMELINE = Path.of("target/autoscaling/AutoscalingIT-timeline.txt");
    /** The spec's timings are shortened for a test, and so is the time pods get to start before capacity counts. */
    private static final Tuning TUNING = new Tuning(Tuning.DEFAULT_INITIAL_RECORDS_PER_SECOND_PER_REPLICA,
            Duration.ofSeconds(10), Tuning.DEFAULT_TARGET_UTILIZATION, Tuning.DEFAULT_SCALE_DOWN_UTILIZATION);

    @TempDir
    Path tmp;

    private final List<String> timeline = new ArrayList<>();
    private final List<Decision> decisions = new ArrayList<>();
    private final List<Map<String, Object>> windows = new ArrayList<>();
    private final List<Map<String, Object>> deadLetters = new ArrayList<>();
    private RuntimePods pods;
    private Autoscaling autoscaling;
    private Instant start;
    private int sinkEnds;
    private int mostPods;

    @AfterEach
    void stop() throws Exception {
        if (pods != null) {
            pods.close();
        }
        if (autoscaling != null) {
            autoscaling.close();
        }
    }

    @Test
    void scalesUpToPartitionsDownAfterTheWindowToZeroWhenIdleAndWakesExactlyOnce(KafkaBroker kafka) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String source = "scale-in-" + id;
        String sink = "scale-out-" + id;
        String deadLetter = "scale-dlq-" + id;
        kafka.createTopic(source, PARTITIONS);
        kafka.createTopic(sink, 1);
        kafka.createTopic(deadLetter, 1);
        Path jobFile = tmp.resolve("job.yaml");
        Files.writeString(jobFile, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: scaling-%s, namespace: it}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  eventTime: {field: t, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, aggregate: {n: count(), total: sum(v)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                  scaling: {minReplicas: 0, maxReplicas: 5, maxLagSeconds: 5, scaleDownWindow: 15s, idleTimeout: 20s,
                            pollInterval: 1s}
                """.formatted(id, kafka.bootstrapServers(), source, sink, deadLetter));
        StreamJob job = JobFiles.read(jobFile);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        autoscaling = new Autoscaling(new KafkaLagProbe(Clock.systemUTC()), Clock.systemUTC(), TUNING,
                new ScalingMetrics(registry));
        pods = new RuntimePods(job.getMetadata().getName(), jobFile, Files.createDirectories(tmp.resolve("pods")));
        start = Instant.now();
        long base = System.currentTimeMillis() - System.currentTimeMillis() % WINDOW_MS;
        Map<String, Map<String, Object>> expected = new TreeMap<>();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaProducer<byte[], byte[]> producer = producer(kafka);
             KafkaConsumer<byte[], byte[]> consumer = readCommitted(kafka, id, sink, deadLetter)) {
            step(job, consumer, sink);
            assertEquals(0, pods.size(), "no records, no pods");

            send(producer, source, 0, BURST, base, expected);
            await("the burst wakes the job and its lag drains").atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> step(job, consumer, sink) && mostPods == PARTITIONS && lastLag() == 0);
            assertEquals(Reason.WakeUp, decisions.stream().filter(d -> d.replicas() > 0).findFirst().orElseThrow()
                    .reason());
            await("after the window it scales down").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> step(job, consumer, sink) && reasons().contains(Reason.ScaleDown));
            // static members that stopped without leaving would stay in the group for the 45 s session timeout
            await("stopped pods leave the group at once").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> step(job, consumer, sink) && groupMembers(admin, job) <= pods.size());
            await("then it stops when idle").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> step(job, consumer, sink) && pods.size() == 0);
            assertEquals(Reason.Idle, decisions.get(decisions.size() - 1).reason());

            int beforeWake = decisions.size();
            send(producer, source, BURST, LATER, base, expected);
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>(source, p, null, null, new byte[0], EndOfInput.headers()));
            }
            producer.flush();
            // the sink can hold every window a poll before the brokers show the offsets committed: wait for that poll
            await("new records wake it, every window reaches the sink, and a poll sees no lag").atMost(
                            Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> step(job, consumer, sink) && sinkEnds >= PARTITIONS && lastLag() == 0);
            assertEquals(Reason.WakeUp, decisions.subList(beforeWake, decisions.size()).stream()
                    .filter(d -> d.replicas() > 0).findFirst().orElseThrow().reason());
        } finally {
            Files.createDirectories(TIMELINE.getParent());
            Files.writeString(TIMELINE, String.join("\n", timeline) + "\n");
            System.out.println(String.join("\n", timeline));
        }
        assertTrue(mostPods <= PARTITIONS, "never more pods than partitions: " + mostPods);
        assertEquals(0, registry.get(ScalingMetrics.LAG).gauge().value(), "the lag gauge after the drain");
        assertEquals(List.of(), deadLetters, "no dead letters");
        WindowAssertions.assertSameWindows(new ArrayList<>(expected.values()), windows, "k");
    }

    /** One turn of the loop the reconciler runs: poll when due, apply the decision to the pods, log a timeline row. */
    private boolean step(StreamJob job, KafkaConsumer<byte[], byte[]> consumer, String sink) throws Exception {
        read(consumer, sink);
        int current = pods.size();
        Optional<Autoscaling.Poll> poll = autoscaling.poll(job, current);
        if (poll.isEmpty() || !poll.get().fresh()) {
            return true;
        }
        Decision decision = poll.get().decision().orElseThrow();
        decisions.add(decision);
        pods.scaleTo(decision.replicas());
        mostPods = Math.max(mostPods, decision.replicas());
        if (timeline.isEmpty()) {
            timeline.add(String.format(Locale.ROOT, "%6s %8s %9s %9s %5s  %s", "t(s)", "lag", "input/s", "process/s",
                    "pods", "decision"));
        }
        var load = poll.get().load();
        timeline.add(String.format(Locale.ROOT, "%6.1f %8d %9.1f %9.1f %5d  %s%s",
                Duration.between(start, load.time()).toMillis() / 1000.0, load.lag(), load.inputRate(),
                load.processingRate(), decision.replicas(), decision.reason(),
                decision.replicas() != current ? " (" + current + " → " + decision.replicas() + ")" : ""));
        return true;
    }

    private static int groupMembers(Admin admin, StreamJob job) throws Exception {
        String group = ConsumerGroups.of(job);
        return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members()
                .size();
    }

    private long lastLag() {
        String last = timeline.get(timeline.size() - 1).trim();
        return Long.parseLong(last.split("\\s+")[1]);
    }

    private List<Reason> reasons() {
        return decisions.stream().map(Decision::reason).toList();
    }

    private void read(KafkaConsumer<byte[], byte[]> consumer, String sink) throws Exception {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            boolean toSink = record.topic().equals(sink);
            if (EndOfInput.isMarked(record.headers())) {
                sinkEnds += toSink ? 1 : 0;
            } else {
                (toSink ? windows : deadLetters).add(Json.parseObject(record.value()));
            }
        }
    }

    /** Events {@code from}…{@code from + count - 1}, 10 ms of event time apart, round-robin over the partitions. */
    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int from, int count, long base,
                             Map<String, Map<String, Object>> expected) {
        for (int i = from; i < from + count; i++) {
            long t = base + i * EVENT_SPACING_MS;
            String k = "k" + (i % PARTITIONS);
            String event = "{\"k\":\"" + k + "\",\"t\":" + t + ",\"v\":" + i + "}";
            producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, event.getBytes(StandardCharsets.UTF_8)));
            long windowStart = t - t % WINDOW_MS;
            Map<String, Object> window = expected.computeIfAbsent(k + windowStart, key -> {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("k", k);
                w.put("window_start", Instant.ofEpochMilli(windowStart).toString());
                w.put("window_end", Instant.ofEpochMilli(windowStart + WINDOW_MS).toString());
                w.put("n", 0L);
                w.put("total", 0L);
                return w;
            });
            window.put("n", (Long) window.get("n") + 1);
            window.put("total", (Long) window.get("total") + i);
        }
        producer.flush();
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaBroker kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> readCommitted(KafkaBroker kafka, String id, String... topics) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + id),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics));
        return consumer;
    }
}

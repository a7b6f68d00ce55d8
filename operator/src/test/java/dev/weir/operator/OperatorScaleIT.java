package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator at scale (issue 16): 200 StreamJobs in 20 namespaces, reconciled by one operator in this JVM against a
 * real kube-apiserver. {@link StatefulSetControllerStandIn} stands in for the StatefulSet controller and the kubelet
 * (there are no pods): it reports each StatefulSet ready as soon as it appears. Measures the time from a job's create
 * to its Ready condition, the heap, and the requests at steady state, and checks that a quiet period in which nothing
 * changes, though every job is reconciled at its lag-poll interval, writes nothing (docs/operator.md, "At scale").
 */
class OperatorScaleIT {
    private static final int NAMESPACES = 20;
    private static final int JOBS_PER_NAMESPACE = 10;
    private static final int JOBS = NAMESPACES * JOBS_PER_NAMESPACE;
    private static final Duration ALL_READY_WITHIN = Duration.ofMinutes(2);
    /** A generous bound, far above what a 2-core machine shows (docs/operator.md), that a stuck operator exceeds. */
    private static final Duration P99_BOUND = Duration.ofSeconds(60);
    /** Three lag-poll intervals (10 s by default): every job is reconciled in it, with nothing to change. */
    private static final Duration QUIET = Duration.ofSeconds(30);
    /** How long the operator must have sent no write before the quiet period starts: the ramp-up is over. */
    private static final Duration SETTLED = Duration.ofSeconds(5);
    /** What the operator reads and writes, as the API server names them. */
    private static final Set<String> OPERATOR_RESOURCES = Set.of("streamjobs", "configmaps", "statefulsets",
            "services", "events", "pods", "secrets");
    private static final String SPEC = """
            source: {kafka: {bootstrapServers: "kafka.invalid:9092", topic: readings}}
            pipeline:
              - filter: "temperature > -50.0"
              - window: {keyBy: sensor_id, tumbling: 1m, aggregate: {readings: count()}}
            sink: {kafka: {topic: aggregates}}
            deadLetter: {kafka: {topic: readings-dlq}}
            """;

    private static final ApiRequests operatorRequests = new ApiRequests();
    private static final ReconcileCounter reconciles = new ReconcileCounter();

    @RegisterExtension
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces(namespaces())
            .withOperatorClient(server -> server.newClient(operatorRequests))
            .withOperator(client -> WeirOperator.start(client,
                    OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()), reconciles));

    @Test
    void twoHundredJobsTurnReadyAndAQuietPeriodWritesNothing() {
        KubernetesClient client = platform.client();
        long heapBefore = usedHeapAfterGc();
        Map<String, Instant> created = new ConcurrentHashMap<>();
        Map<String, Instant> ready = new ConcurrentHashMap<>();
        try (StatefulSetControllerStandIn standIn = StatefulSetControllerStandIn.start(client);
             SharedIndexInformer<StreamJob> readiness = client.resources(StreamJob.class).inAnyNamespace()
                     .inform(whenReady(job -> ready.putIfAbsent(key(job), Instant.now())))) {
            Instant start = Instant.now();
            for (String namespace : namespaces()) {
                for (int i = 0; i < JOBS_PER_NAMESPACE; i++) {
                    StreamJob job = job(namespace, "job-" + i);
                    created.put(key(job), Instant.now());
                    client.resource(job).create();
                }
            }
            await().atMost(ALL_READY_WITHIN).until(() -> ready.size() == JOBS);
            Duration rampUp = Duration.between(start, ready.values().stream().max(Instant::compareTo).orElseThrow());
            List<Duration> latencies = created.keySet().stream()
                    .map(job -> Duration.between(created.get(job), ready.get(job))).sorted().toList();

            awaitNoOperatorWritesFor(SETTLED);
            Map<String, Long> sentBefore = operatorRequests.sent();
            Map<String, Long> countedBefore = ApiRequests.counted(client, OPERATOR_RESOURCES);
            long reconcilesBefore = reconciles.count();
            int standInWritesBefore = standIn.statusWrites();
            Instant quietStart = Instant.now();
            // fails as soon as the operator writes anything, naming what
            await().during(QUIET).atMost(QUIET.plusSeconds(10)).untilAsserted(() -> assertEquals(Map.of(),
                    ApiRequests.writes(ApiRequests.since(sentBefore, operatorRequests.sent())),
                    "the operator's writes while nothing changed"));
            Duration quiet = Duration.between(quietStart, Instant.now());
            Map<String, Long> sent = ApiRequests.since(sentBefore, operatorRequests.sent());
            Map<String, Long> counted = ApiRequests.since(countedBefore, ApiRequests.counted(client,
                    OPERATOR_RESOURCES));
            long quietReconciles = reconciles.count() - reconcilesBefore;
            long heapAfter = usedHeapAfterGc();

            System.out.printf("""
                    OperatorScaleIT: %d StreamJobs in %d namespaces
                      create → Ready: p50 %d ms, p99 %d ms, max %d ms; all Ready %d ms after the first create
                      quiet period of %d s: %d reconciles; requests the operator sent: %s (%.0f/min); \
                    the API server counted for %s: %s (%.0f/min); writes: %s by the operator, %s by the API server's count
                      heap of this JVM (operator, API client, test) after a GC: %d MiB before the jobs, %d MiB after \
                    (%+d MiB)
                    """, JOBS, NAMESPACES, percentile(latencies, 50).toMillis(), percentile(latencies, 99).toMillis(),
                    latencies.get(latencies.size() - 1).toMillis(), rampUp.toMillis(),
                    quiet.toSeconds(), quietReconciles, sent, perMinute(ApiRequests.total(sent), quiet),
                    OPERATOR_RESOURCES, counted, perMinute(ApiRequests.total(counted), quiet),
                    ApiRequests.writes(sent), ApiRequests.writes(counted),
                    heapBefore >> 20, heapAfter >> 20, (heapAfter - heapBefore) >> 20);

            assertTrue(percentile(latencies, 99).compareTo(P99_BOUND) < 0, "p99 create → Ready " + percentile(
                    latencies, 99) + " is over " + P99_BOUND);
            assertTrue(quietReconciles >= JOBS, "every job is reconciled at its poll interval in the quiet period,"
                    + " so the period shows what reconciles with nothing to change write; " + quietReconciles);
            assertEquals(Map.of(), ApiRequests.writes(counted), "the API server counted writes while nothing changed");
            assertEquals(standInWritesBefore, standIn.statusWrites(), "no StatefulSet changed in the quiet period");
        }
    }

    /** Waits, bounded, for the ramp-up's writes to end; if they do not, the quiet period names the writes. */
    private static void awaitNoOperatorWritesFor(Duration settled) {
        AtomicLong writes = new AtomicLong(-1);
        AtomicLong lastChange = new AtomicLong();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                long now = ApiRequests.total(ApiRequests.writes(operatorRequests.sent()));
                if (writes.getAndSet(now) != now) {
                    lastChange.set(System.nanoTime());
                }
                return System.nanoTime() - lastChange.get() >= settled.toNanos();
            });
        } catch (ConditionTimeoutException e) {
            System.out.println("OperatorScaleIT: the operator kept writing after every job was Ready");
        }
    }

    private static ResourceEventHandler<StreamJob> whenReady(java.util.function.Consumer<StreamJob> onReady) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(StreamJob job) {
                check(job);
            }

            @Override
            public void onUpdate(StreamJob before, StreamJob after) {
                check(after);
            }

            @Override
            public void onDelete(StreamJob job, boolean unknownFinalState) {
                // the test deletes none
            }

            private void check(StreamJob job) {
                StreamJobStatus status = job.getStatus();
                if (status != null && Conditions.find(status.conditions, Conditions.READY)
                        .filter(condition -> "True".equals(condition.getStatus())).isPresent()) {
                    onReady.accept(job);
                }
            }
        };
    }

    private static String[] namespaces() {
        return IntStream.range(0, NAMESPACES).mapToObj(i -> String.format("scale-%02d", i)).toArray(String[]::new);
    }

    private static StreamJob job(String namespace, String name) {
        return new KubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                """.formatted(name, namespace) + SPEC.indent(2), StreamJob.class);
    }

    private static String key(HasMetadata object) {
        return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    }

    /** The nearest-rank percentile of sorted durations. */
    private static Duration percentile(List<Duration> sorted, int percent) {
        return sorted.get(Math.max(0, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    private static double perMinute(long count, Duration over) {
        return count * 60_000.0 / over.toMillis();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Counts the operator's finished reconciles. */
    private static final class ReconcileCounter implements Metrics {
        private final AtomicLong finished = new AtomicLong();

        @Override
        public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
            finished.incrementAndGet();
        }

        long count() {
            return finished.get();
        }
    }
}

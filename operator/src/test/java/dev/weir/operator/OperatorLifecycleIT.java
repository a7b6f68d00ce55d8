package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Operators starting, stopping and sharing a cluster, on a real kube-apiserver. */
class OperatorLifecycleIT {
    private static final String NAMESPACE = "jobs";
    private static final String LEASE_NAMESPACE = "weir-system";
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final String SPEC = """
            spec:
              source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
              sink: {kafka: {topic: aggregates}}
              deadLetter: {kafka: {topic: readings-dlq}}
            """;

    private final List<Runnable> stops = new ArrayList<>();

    @RegisterExtension
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces(NAMESPACE, LEASE_NAMESPACE);

    private static KubernetesClient client() {
        return platform.client();
    }

    @AfterEach
    void stopOperators() {
        stops.forEach(Runnable::run);
    }

    @Test
    void aRestartedOperatorCatchesUpWithWhatChangedWhileItWasDown() {
        Operator first = start(OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()), Metrics.NOOP);
        create("restarted");
        awaitStatefulSet("restarted", 1);
        awaitPhase("restarted", "Pending", 1);
        first.stop();

        jobs().withName("restarted").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": true}}");
        start(OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()), Metrics.NOOP);

        awaitStatefulSet("restarted", 0);
        awaitPhase("restarted", "Suspended", 2);
    }

    @Test
    void twoOperatorsElectOneLeaderOnlyItReconcilesAndTheOtherTakesOverWhenItStops() {
        ReconcileCount a = new ReconcileCount();
        ReconcileCount b = new ReconcileCount();
        Operator operatorA = start(leaderElected("operator-a"), a);
        Operator operatorB = start(leaderElected("operator-b"), b);

        Lease lease = await().atMost(TIMEOUT).until(
                () -> client().leases().inNamespace(LEASE_NAMESPACE).withName(OperatorConfig.LEASE_NAME).get(),
                l -> l != null && l.getSpec().getHolderIdentity() != null);
        create("elected");
        awaitStatefulSet("elected", 1);
        awaitPhase("elected", "Pending", 1);

        String leader = lease.getSpec().getHolderIdentity();
        assertTrue(Set.of("operator-a", "operator-b").contains(leader), leader);
        ReconcileCount follower = leader.equals("operator-a") ? b : a;
        ReconcileCount leading = leader.equals("operator-a") ? a : b;
        await().atMost(TIMEOUT).until(() -> leading.count.get() > 0);
        assertEquals(0, follower.count.get());

        (leader.equals("operator-a") ? operatorA : operatorB).stop();
        String successor = leader.equals("operator-a") ? "operator-b" : "operator-a";
        await().atMost(TIMEOUT).until(
                () -> client().leases().inNamespace(LEASE_NAMESPACE).withName(OperatorConfig.LEASE_NAME).get(),
                l -> successor.equals(l.getSpec().getHolderIdentity()));
        create("after-failover");
        awaitStatefulSet("after-failover", 1);
        await().atMost(TIMEOUT).until(() -> follower.count.get() > 0);
    }

    @Test
    void theOperatorServesHealthAndReconcileMetrics() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Operator operator = start(OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()),
                MicrometerMetrics.withoutPerResourceMetrics(registry));
        OperatorEndpoints endpoints = OperatorEndpoints.start(0, operator, registry);
        stops.add(endpoints::close);
        create("measured");
        awaitPhase("measured", "Pending", 1);

        HttpClient http = HttpClient.newHttpClient();
        assertEquals(200, get(http, endpoints, OperatorEndpoints.LIVE).statusCode());
        assertEquals(200, get(http, endpoints, OperatorEndpoints.READY).statusCode());
        String metrics = get(http, endpoints, OperatorEndpoints.METRICS).body();
        assertTrue(metrics.contains("operator_sdk_reconciliations_success_total"), metrics);
    }

    @Test
    void theMainRunsTheOperatorAgainstAKubeconfig() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path kubeconfig = platform.apiServer().writeKubeconfig(Path.of("target", "main-it.kubeconfig"));
        ProcessBuilder main = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "weir-operator.jar").toString())
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "weir-operator-main.log").toFile());
        main.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
        main.environment().put(OperatorConfig.RUNTIME_IMAGE, "weir-runtime:main");
        main.environment().put(OperatorConfig.WATCH_NAMESPACES, NAMESPACE);
        main.environment().put(OperatorEndpoints.PORT, String.valueOf(port));
        Process operator = main.start();
        stops.add(() -> {
            operator.destroy();
            try {
                operator.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        create("from-main");

        awaitStatefulSet("from-main", 1);
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create("http://localhost:" + port + OperatorEndpoints.READY);
        await().atMost(TIMEOUT).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(ready).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        assertEquals("weir-runtime:main", client().apps().statefulSets().inNamespace(NAMESPACE).withName("from-main")
                .get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    }

    private static HttpResponse<String> get(HttpClient http, OperatorEndpoints endpoints, String path)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + endpoints.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static OperatorConfig leaderElected(String identity) {
        return new OperatorConfig("weir-runtime:it", Set.of(), Optional.of(LEASE_NAMESPACE), Optional.of(identity),
                false);
    }

    private Operator start(OperatorConfig config, Metrics metrics) {
        KubernetesClient operatorClient = platform.apiServer().newClient();
        Operator operator = WeirOperator.start(operatorClient, config, metrics);
        stops.add(() -> {
            operator.stop();
            operatorClient.close();
        });
        return operator;
    }

    private static void create(String name) {
        jobs().resource(client().getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                """.formatted(name, NAMESPACE) + SPEC, StreamJob.class)).create();
    }

    private static void awaitPhase(String name, String phase, long generation) {
        await().atMost(TIMEOUT).until(() -> jobs().withName(name).get().getStatus(),
                status -> status != null && phase.equals(status.phase) && status.observedGeneration == generation);
    }

    private static void awaitStatefulSet(String name, int replicas) {
        await().atMost(TIMEOUT).until(() -> client().apps().statefulSets().inNamespace(NAMESPACE).withName(name).get(),
                statefulSet -> statefulSet != null && statefulSet.getSpec().getReplicas() == replicas);
    }

    private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<StreamJob,
            io.fabric8.kubernetes.api.model.KubernetesResourceList<StreamJob>,
            io.fabric8.kubernetes.client.dsl.Resource<StreamJob>> jobs() {
        return client().resources(StreamJob.class).inNamespace(NAMESPACE);
    }

    /** Counts every reconcile an operator finishes. */
    private static final class ReconcileCount implements Metrics {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
            count.incrementAndGet();
        }
    }
}

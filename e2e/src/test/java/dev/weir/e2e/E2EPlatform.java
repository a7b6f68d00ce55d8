package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.marcnuri.helm.Helm;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.operator.TestKubeApiServer;
import dev.weir.runtime.testing.OtelCollector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A cluster with Weir installed as a user installs it ({@code helm install charts/weir}), its Kafka, and an S3
 * server, that every scenario of the suite runs on (JOSDK's {@code WebPageOperatorAbstractTest} shape, one level up):
 * {@link LocalPlatform} on the local cluster harness, {@link KindPlatform} on the current kubeconfig's cluster. One
 * is started for the whole run by {@link SharedPlatform}, with the operator ready, and closed after the last
 * scenario.
 */
abstract class E2EPlatform implements AutoCloseable {
    static final String NAMESPACE = "weir";
    static final String RELEASE = "weir";
    static final String OPERATOR_DEPLOYMENT = "weir-operator";
    static final Path CHART = Path.of(System.getProperty("weir.e2e.chart", "../charts/weir"));
    /** The bucket the S3 server has; e2e/kind/s3.yaml creates it for kind. */
    static final String CHECKPOINT_BUCKET = "weir-checkpoints";
    /** Pod start-ups are JVM start-ups: seconds each on a loaded two-core machine. */
    static final Duration POD_TIMEOUT = Duration.ofMinutes(2);

    private KafkaTopics kafka;
    private boolean helmInstallStarted;

    /** Starts or connects to the cluster and the servers beside it; before anything else. */
    abstract void startCluster() throws Exception;

    /** Stops or disconnects from the cluster and the servers beside it; last, whatever happened. */
    abstract void stopCluster() throws Exception;

    /** An admin client of the cluster under test. */
    abstract KubernetesClient client();

    /** The cluster's kubeconfig, for Helm. */
    abstract Path kubeconfig();

    /** The brokers as the job's pods reach them: what the scenarios write into the jobs' specs. */
    abstract String podBootstrapServers();

    /** The brokers as this test JVM reaches them. */
    abstract String testBootstrapServers();

    /** The S3 API endpoint as the job's pods and the operator reach it; it has the bucket {@link #CHECKPOINT_BUCKET}. */
    abstract String podS3Endpoint();

    /** An access key id and secret key the S3 server accepts. */
    abstract List<String> s3Keys();

    /** Chart values the cluster needs on top of the defaults (image names, a DynamoDB endpoint). */
    Map<String, Object> chartValues() {
        return Map.of();
    }

    /** A collector the job's pods reach at its {@code endpoint()}, whose spans the test reads; empty: none (kind). */
    Optional<OtelCollector> collector() {
        return Optional.empty();
    }

    /** kinesis-local and moto, which the pods and the operator reach; empty: no Kinesis-compatible server (kind). */
    Optional<LocalKinesisServers> kinesis() {
        return Optional.empty();
    }

    /**
     * The logs of the containers of the namespace's pods, by where they were read: here from the API, so only of the pods
     * there now ({@code kubectl logs}); the harness keeps those of deleted pods too.
     */
    Map<String, String> containerLogs(String namespace) throws IOException {
        Map<String, String> logs = new TreeMap<>();
        for (Pod pod : client().pods().inNamespace(namespace).list().getItems()) {
            for (Container container : pod.getSpec().getContainers()) {
                logs.put("log of " + namespace + "/" + pod.getMetadata().getName() + "/" + container.getName(),
                        client().pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                                .inContainer(container.getName()).getLog());
            }
        }
        return logs;
    }

    /**
     * The API server's audit log of the service accounts' requests (JSON lines, Metadata level); empty: the platform
     * keeps none the test reads (kind).
     */
    Optional<Path> auditLog() {
        return Optional.empty();
    }

    /**
     * The API server's restarts so far (the fault run's), each from its process's start until it was ready: the audit
     * log's refusals in these windows are the restart's (see {@link AuditedRequests}).
     */
    List<TestKubeApiServer.Startup> apiServerRestarts() {
        return List.of();
    }

    /** What the fault run breaks; empty: the platform gives the test no hold on its processes and servers (kind). */
    Optional<PlatformFaults> faults() {
        return Optional.empty();
    }

    /** A check that the cluster, not only the API, has let go of every deleted job's pods. */
    void assertRuntimeProcessesGone() {
    }

    /** Topics of the platform's Kafka, as the test JVM reaches them. */
    final KafkaTopics kafka() {
        return kafka;
    }

    /** Starts the cluster, installs the chart and waits for the operator to be ready. */
    final void start() throws Exception {
        startCluster();
        kafka = new KafkaTopics(testBootstrapServers());
        var install = new Helm(CHART).install().withName(RELEASE).withNamespace(NAMESPACE).createNamespace()
                .withKubeConfig(kubeconfig());
        chartValues().forEach(install::set);
        helmInstallStarted = true;
        install.call();
        await("the chart's operator ready").atMost(POD_TIMEOUT).untilAsserted(() -> {
            Deployment operator = client().apps().deployments().inNamespace(NAMESPACE).withName(OPERATOR_DEPLOYMENT)
                    .get();
            assertEquals(1, operator.getStatus().getReadyReplicas(), () -> "operator not ready: " + operator.getStatus());
        });
    }

    @Override
    public final void close() throws Exception {
        try {
            if (helmInstallStarted) {
                Helm.uninstall(RELEASE).withNamespace(NAMESPACE).withKubeConfig(kubeconfig()).ignoreNotFound().call();
            }
        } catch (RuntimeException e) {
            // teardown, not a check: the scenarios assert their own deletes; a cluster that is already going away
            // (the harness's API server stopped first) must not hide their results
            System.err.println("e2e platform: helm uninstall failed, stopping the cluster anyway: " + e.getMessage());
        } finally {
            stopCluster();
        }
    }
}

package dev.weir.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.checkpoint.testing.S3Server;
import dev.weir.e2e.harness.ImageTable;
import dev.weir.e2e.harness.LocalCluster;
import dev.weir.e2e.harness.LocalImage;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.operator.TestKubeApiServer;
import dev.weir.runtime.local.EmbeddedKafka;
import dev.weir.runtime.testing.OtelCollector;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The suite's platform on the local cluster harness: a real API server, the real workload controllers, pods as local
 * JVMs of the packaged operator and runtime; beside it on loopback, which the pods reach directly: a Kafka broker
 * (KRaft), S3Proxy, an OpenTelemetry Collector, and kinesis-local with moto's DynamoDB (the chart's
 * {@code runtime.kinesisDynamoDbEndpoint}). Pod logs: {@code e2e/target/pods/}.
 */
final class LocalPlatform extends E2EPlatform {
    /** The chart's default image repositories, run as the reactor's packaged jars. */
    static final ImageTable IMAGES = new ImageTable(Map.of(
            "weir/operator", new LocalImage(
                    List.of("java", "-jar", jar("weir.e2e.operator-jar", "../operator/target/weir-operator.jar")),
                    Map.of(), Map.of(8080, "WEIR_OPERATOR_PORT"), Map.of()),
            "weir/runtime", new LocalImage(
                    List.of(),
                    Map.of("/deployments/quarkus-run.jar",
                            Path.of(jar("weir.e2e.runtime-jar", "../runtime/target/quarkus-app/quarkus-run.jar"))),
                    Map.of(9000, "QUARKUS_MANAGEMENT_PORT"),
                    // the runtime's main HTTP port, which its pods do not declare
                    Map.of("QUARKUS_HTTP_PORT", "0"))));

    private static final String PROCESS_ID = "process://";

    private final List<AutoCloseable> started = new ArrayList<>();
    private EmbeddedKafka broker;
    private S3Server s3;
    private OtelCollector collector;
    private LocalKinesisServers kinesis;
    private LocalCluster cluster;

    @Override
    void startCluster() throws Exception {
        broker = closeLast(EmbeddedKafka.start());
        // keys of this run only, so that finding one in a log or an object (SecurityE2E) means this run put it there
        s3 = closeLast(S3Server.standalone("weir-e2e-id-" + randomHex(), "weir-e2e-secret-" + randomHex()));
        s3.createBucket(CHECKPOINT_BUCKET);
        collector = new OtelCollector();
        collector.start();
        started.add(0, collector::stop);
        Path work = Files.createDirectories(Path.of("target", "kinesis-e2e"));
        Path repo = Path.of("..").toAbsolutePath().normalize();
        kinesis = closeLast(LocalKinesisServers.start(LocalKinesisServers.install(repo,
                work.resolve("servers.properties"), new StringBuilder()), work.resolve("logs")));
        cluster = closeLast(LocalCluster.start(IMAGES));
    }

    /** Closed before what was started earlier. */
    private <T extends AutoCloseable> T closeLast(T server) {
        started.add(0, server);
        return server;
    }

    @Override
    void stopCluster() throws Exception {
        Exception first = null;
        for (AutoCloseable server : started) {
            try {
                server.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    KubernetesClient client() {
        return cluster.client();
    }

    @Override
    Path kubeconfig() {
        return cluster.kubeconfig();
    }

    @Override
    String podBootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    String testBootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    String podS3Endpoint() {
        return s3.endpoint().toString();
    }

    @Override
    List<String> s3Keys() {
        return s3.keys();
    }

    @Override
    Map<String, Object> chartValues() {
        return Map.of("runtime.kinesisDynamoDbEndpoint", kinesis.endpoints().dynamoDb().orElseThrow().toString());
    }

    @Override
    Optional<OtelCollector> collector() {
        return Optional.of(collector);
    }

    @Override
    Optional<LocalKinesisServers> kinesis() {
        return Optional.of(kinesis);
    }

    /** The harness's log files (no {@code kubectl logs}), of deleted pods too. */
    @Override
    Map<String, String> containerLogs(String namespace) throws IOException {
        Map<String, String> logs = new TreeMap<>();
        for (Path file : cluster.containerLogs(namespace)) {
            // bytes that are not UTF-8 become U+FFFD rather than failing the read
            logs.put(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        }
        return logs;
    }

    @Override
    Optional<Path> auditLog() {
        return Optional.of(cluster.auditLog());
    }

    @Override
    List<TestKubeApiServer.Startup> apiServerRestarts() {
        return cluster.apiServerRestarts();
    }

    @Override
    Optional<PlatformFaults> faults() {
        return Optional.of(new PlatformFaults() {
            @Override
            public void killContainers(Pod pod) {
                // the harness's container id is the process id: process://<pid>
                pod.getStatus().getContainerStatuses().stream().map(ContainerStatus::getContainerID)
                        .filter(id -> id != null && id.startsWith(PROCESS_ID))
                        .map(id -> ProcessHandle.of(Long.parseLong(id.substring(PROCESS_ID.length()))))
                        .forEach(process -> process.ifPresent(ProcessHandle::destroyForcibly));
            }

            @Override
            public void restartKafka(Duration down) {
                broker.restart(down);
            }

            @Override
            public void stopS3() {
                s3.stop();
            }

            @Override
            public void startS3() {
                s3.start();
            }

            @Override
            public void restartApiServer(Duration down) {
                try {
                    cluster.restartApiServer(down);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while restarting the API server", e);
                }
            }
        });
    }

    /** Only the operator's pod still has a process. */
    @Override
    void assertRuntimeProcessesGone() {
        assertEquals(1, cluster.podsWithProcesses(), "only the operator's pod has a process");
    }

    private static String randomHex() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String jar(String property, String fallback) {
        return Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize().toString();
    }
}

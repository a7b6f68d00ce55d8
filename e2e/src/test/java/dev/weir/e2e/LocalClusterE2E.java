package dev.weir.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.weir.checkpoint.testing.S3Server;
import dev.weir.e2e.harness.ImageTable;
import dev.weir.e2e.harness.LocalCluster;
import dev.weir.e2e.harness.LocalImage;
import dev.weir.runtime.testing.KafkaBroker;
import dev.weir.runtime.testing.OtelCollector;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The suite on the local cluster harness: a real API server, the real workload controllers, pods as local JVMs of the
 * packaged operator and runtime, and a real Kafka broker on loopback. Pod logs: {@code e2e/target/pods/}.
 */
class LocalClusterE2E extends AbstractStreamJobE2E {
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

    @RegisterExtension
    static final KafkaBroker KAFKA = new KafkaBroker();
    /** On loopback, where the pods (local JVMs) send their spans. */
    @RegisterExtension
    static final OtelCollector COLLECTOR = new OtelCollector();

    private LocalCluster cluster;
    /** S3Proxy on loopback, which pods (local JVMs) and the operator reach directly. */
    private S3Server s3;

    @Override
    void startCluster() throws Exception {
        s3 = S3Server.standalone();
        s3.createBucket(CHECKPOINT_BUCKET);
        cluster = LocalCluster.start(IMAGES);
    }

    @Override
    void stopCluster() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    @Override
    String podS3Endpoint() {
        return s3.endpoint().toString();
    }

    @Override
    List<String> s3Keys() {
        return List.of(S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
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
    Optional<OtelCollector> collector() {
        return Optional.of(COLLECTOR);
    }

    @Override
    String podBootstrapServers() {
        return KAFKA.bootstrapServers();
    }

    @Override
    String testBootstrapServers() {
        return KAFKA.bootstrapServers();
    }

    /** Only the operator's pod still has a process. */
    @Override
    void assertRuntimeProcessesGone() {
        assertEquals(1, cluster.podsWithProcesses());
    }

    private static String jar(String property, String fallback) {
        return Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize().toString();
    }
}

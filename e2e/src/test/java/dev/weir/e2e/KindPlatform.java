package dev.weir.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The suite's platform on a real cluster, the current kubeconfig's (or {@code -Dweir.e2e.kubeconfig}), with the Weir
 * images loaded and Kafka and an S3 server installed as {@code e2e/kind/run.sh} does. Only in {@code -Pkind}. No
 * collector the test reads and no Kinesis-compatible server the test reaches: the tracing and Kinesis scenarios do
 * not run here.
 */
final class KindPlatform extends E2EPlatform {
    private KubernetesClient client;
    private Path kubeconfig;

    @Override
    void startCluster() throws IOException {
        kubeconfig = kubeconfigFile();
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    }

    @Override
    void stopCluster() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    KubernetesClient client() {
        return client;
    }

    @Override
    Path kubeconfig() {
        return kubeconfig;
    }

    @Override
    String podBootstrapServers() {
        return required("weir.e2e.kafka.pods");
    }

    @Override
    String testBootstrapServers() {
        return required("weir.e2e.kafka.test");
    }

    @Override
    String podS3Endpoint() {
        return required("weir.e2e.s3.pods");
    }

    /** S3Mock checks no signature: any keys do. */
    @Override
    List<String> s3Keys() {
        return List.of("weir-e2e", "weir-e2e-secret");
    }

    private static Path kubeconfigFile() {
        String configured = System.getProperty("weir.e2e.kubeconfig", "");
        if (configured.isBlank()) {
            String fromEnvironment = System.getenv("KUBECONFIG");
            configured = fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment.split(":")[0]
                    : Path.of(System.getProperty("user.home"), ".kube", "config").toString();
        }
        Path file = Path.of(configured);
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("no kubeconfig at " + file + ": set -Dweir.e2e.kubeconfig or KUBECONFIG,"
                    + " or run e2e/kind/run.sh");
        }
        return file;
    }

    private static String required(String property) {
        String value = System.getProperty(property, "");
        if (value.isBlank()) {
            throw new IllegalStateException(property + " is not set: see e2e/kind/run.sh for the addresses of Kafka and S3");
        }
        return value;
    }
}

package dev.weir.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.weir.operator.TestKubeApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A cluster on this machine without containers: a real kube-apiserver and etcd, kube-controller-manager running the
 * controllers that turn workloads into pods and clean up after them, and a {@link Kubelet} that runs those pods as
 * local processes. What it does not emulate is in docs/e2e.md.
 */
public final class LocalCluster implements AutoCloseable {
    /**
     * The real controllers: Deployments → ReplicaSets → pods, StatefulSets → pods (ordinal names, revisions, rolling
     * updates, status), owner references, each namespace's default ServiceAccount, and namespace deletion.
     */
    static final List<String> CONTROLLERS = List.of("deployment", "replicaset", "statefulset", "garbagecollector",
            "serviceaccount", "namespace");
    private static final Path OPERATOR_MODULE = Path.of("..", "operator");
    private static final Path TARGET = Path.of("target");

    private final TestKubeApiServer apiServer;
    private final Kubelet kubelet;
    private final Path kubeconfig;

    private LocalCluster(TestKubeApiServer apiServer, Kubelet kubelet, Path kubeconfig) {
        this.apiServer = apiServer;
        this.kubelet = kubelet;
        this.kubeconfig = kubeconfig;
    }

    /** Pods' volumes and logs go to {@code target/pods/<namespace>/<pod>-<uid>/}. */
    public static LocalCluster start(ImageTable images) throws IOException, InterruptedException {
        TestKubeApiServer apiServer = TestKubeApiServer.start(OPERATOR_MODULE);
        Kubelet kubelet = null;
        try {
            apiServer.startControllers(CONTROLLERS);
            Path kubeconfig = apiServer.writeKubeconfig(TARGET.resolve("local-cluster.kubeconfig").toAbsolutePath());
            kubelet = new Kubelet(apiServer.client(), images, Files.createDirectories(TARGET.resolve("pods")).toAbsolutePath());
            kubelet.start();
            return new LocalCluster(apiServer, kubelet, kubeconfig);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (kubelet != null) {
                kubelet.close();
            }
            apiServer.close();
            throw e;
        }
    }

    /** An admin client. */
    public KubernetesClient client() {
        return apiServer.client();
    }

    /** The admin kubeconfig, for Helm and kubectl. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** Where a running pod's volumes and container logs are. */
    public Path podDir(String namespace, String name) {
        return kubelet.podDir(namespace, name);
    }

    /** How many pods have processes, counting those being stopped. */
    public int podsWithProcesses() {
        return kubelet.podsWithProcesses();
    }

    @Override
    public void close() {
        try {
            kubelet.close();
        } finally {
            apiServer.close();
        }
    }
}

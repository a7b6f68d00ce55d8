package dev.weir.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

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
    private static final Path PODS = TARGET.resolve("pods");
    /** One JSON line per request of a service account, at the Metadata level: who, verb, object, response code. */
    private static final Path AUDIT_LOG = TARGET.resolve("kube-apiserver-audit.log");
    private static final Path AUDIT_POLICY = TARGET.resolve("kube-apiserver-audit-policy.yaml");
    private static final String AUDIT_POLICY_YAML = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: [RequestReceived]
            rules:
              - level: Metadata
                userGroups: ["system:serviceaccounts"]
              - level: None
            """;

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
        Files.createDirectories(TARGET);
        // the API server appends: a previous run's requests must not count as this run's
        Files.deleteIfExists(AUDIT_LOG);
        Files.writeString(AUDIT_POLICY, AUDIT_POLICY_YAML);
        TestKubeApiServer apiServer = TestKubeApiServer.start(OPERATOR_MODULE, List.of(
                "--audit-policy-file=" + AUDIT_POLICY.toAbsolutePath(),
                "--audit-log-path=" + AUDIT_LOG.toAbsolutePath(),
                "--audit-log-format=json"));
        Kubelet kubelet = null;
        try {
            apiServer.startControllers(CONTROLLERS);
            Path kubeconfig = apiServer.writeKubeconfig(TARGET.resolve("local-cluster.kubeconfig").toAbsolutePath());
            kubelet = new Kubelet(apiServer.client(), images, Files.createDirectories(PODS).toAbsolutePath());
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

    /**
     * The container logs of every pod the node has run in the namespace, gone or not (a deleted pod's directory stays),
     * by file: what {@code kubectl logs} would have shown of each, across restarts.
     */
    public List<Path> containerLogs(String namespace) throws IOException {
        Path dir = PODS.resolve(namespace);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir, 2)) {
            // <pod>-<uid>/<container>.log; the volumes are a level further down
            return files.filter(f -> f.getNameCount() == dir.getNameCount() + 2 && f.toString().endsWith(".log"))
                    .sorted().toList();
        }
    }

    /** The API server's audit log of the requests service accounts made (the pods'), as JSON lines. */
    public Path auditLog() {
        return AUDIT_LOG;
    }

    /**
     * Restarts the API server: SIGKILLed, {@code down} with none, then started again at the same address with the same
     * etcd; the controllers, the kubelet and the pods' clients reconnect by themselves.
     */
    public void restartApiServer(Duration down) throws IOException, InterruptedException {
        apiServer.restartApiServer(down);
    }

    /** The API server's restarts so far, each from its process's start until it was ready. */
    public List<TestKubeApiServer.Startup> apiServerRestarts() {
        return apiServer.restarts();
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

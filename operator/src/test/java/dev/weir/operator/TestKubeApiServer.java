package dev.weir.operator;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.Interceptor;

/**
 * A real kube-apiserver and etcd for an IT class, started by kube-api-test from the binaries
 * {@code operator/kube/install-binaries.sh} provides, without downloading anything, with the StreamJob CRD installed.
 * No controllers run against it unless a test asks for the garbage collector ({@link #startGarbageCollector()}) or
 * other controllers of kube-controller-manager ({@link #startControllers(List)}). Public for the e2e harness.
 */
public final class TestKubeApiServer implements AutoCloseable {
    /** The operator module, relative to the working directory of its own tests. */
    private static final Path OPERATOR_MODULE = Path.of("");
    private static final Path KUBERNETES_GO_MOD = Path.of("kube", "kubernetes", "go.mod");
    private static final Path STREAMJOB_CRD = Path.of("..", "crds", "streamjobs.weir.dev-v1.yml");
    private static final Path CONTROLLER_MANAGER_LOG = Path.of("target", "kube-controller-manager.log");
    private static final Path RESTARTED_API_SERVER_LOG = Path.of("target", "kube-apiserver-restarted.log");

    private final KubeAPIServer apiServer;
    private final KubernetesClient client;
    private final String version;
    private Process controllerManager;
    private Path controllerManagerKubeconfig;
    /** The kube-apiserver started by {@link #restartApiServer}, once kube-api-test's own has been killed. */
    private Process restartedApiServer;
    /** Each restart's start-up: from the new process's start until it answered {@code /readyz}. */
    private final List<Startup> restarts = new CopyOnWriteArrayList<>();

    private TestKubeApiServer(KubeAPIServer apiServer, KubernetesClient client, String version) {
        this.apiServer = apiServer;
        this.client = client;
        this.version = version;
    }

    static TestKubeApiServer startWithStreamJobCrd() throws IOException {
        TestKubeApiServer server = start(OPERATOR_MODULE);
        CustomResourceDefinition crd = server.client.apiextensions().v1().customResourceDefinitions()
                .load(OPERATOR_MODULE.resolve(STREAMJOB_CRD).toFile()).item();
        server.client.resource(crd).serverSideApply();
        server.client.resource(crd).waitUntilCondition(TestKubeApiServer::established, 30, TimeUnit.SECONDS);
        return server;
    }

    /**
     * Starts an empty server (no CRD), of the Kubernetes version the operator module's {@code kube/kubernetes/go.mod}
     * names; {@code operatorModule} is that module's directory, relative to the working directory.
     */
    public static TestKubeApiServer start(Path operatorModule) throws IOException {
        return start(operatorModule, List.of());
    }

    /** {@link #start(Path)} with more kube-apiserver flags, each {@code --name=value}. */
    public static TestKubeApiServer start(Path operatorModule, List<String> apiServerFlags) throws IOException {
        String version = kubernetesVersion(operatorModule);
        KubeAPIServerConfigBuilder config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withApiServerVersion(version)
                // a missing binary fails the test instead of starting a download this machine cannot make
                .withOfflineMode(true);
        apiServerFlags.forEach(config::withApiServerFlag);
        KubeAPIServerConfig built = config.build();
        KubeAPIServer apiServer = new KubeAPIServer(built);
        awayFromMidnight(LocalTime.now(), built.getStartupTimeout()).ifPresent(wait -> {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            apiServer.start();
        } catch (KubeAPITestException e) {
            try {
                apiServer.stop(); // kube-api-test leaves the processes of a failed start running
            } catch (RuntimeException stopFailed) {
                e.addSuppressed(stopFailed);
            }
            throw new IllegalStateException("kube-apiserver " + version + " did not start. Are its binaries"
                    + " installed (operator/kube/install-binaries.sh)? The servers' output is in"
                    + " target/kube-api-test.log", e);
        }
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml()))
                .build();
        return new TestKubeApiServer(apiServer, client, version);
    }

    /**
     * kube-api-test 7.6.1 times its readiness checks with {@code LocalTime}, which wraps at midnight: a server started
     * less than its startup timeout before midnight fails at once with "Kube API Server did not start properly"
     * (the fresh-clone CI of 2026-12-06 lost two operator ITs at 23:59:44 so, their servers left running and ready).
     * Until that is fixed upstream, a start that would cross midnight waits for midnight first.
     *
     * @return how long to wait before starting, when the start and its timeout would cross midnight
     */
    static Optional<Duration> awayFromMidnight(LocalTime now, int startupTimeoutMs) {
        LocalTime deadline = now.plus(startupTimeoutMs + 5_000L, ChronoUnit.MILLIS);
        if (!deadline.isBefore(now)) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(now, LocalTime.MAX).plusMillis(500));
    }

    public KubernetesClient client() {
        return client;
    }

    /** A client of its own, as a separate operator process would have. */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml())).build();
    }

    /** {@link #newClient()} with {@code interceptor} seeing every request it sends. */
    public KubernetesClient newClient(Interceptor interceptor) {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml()))
                .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("weir-test", interceptor))
                .build();
    }

    /**
     * Runs the kubectl that install-binaries.sh built for kube-api-test against this server, as a user would, and
     * returns what it printed; it fails when kubectl does.
     */
    public String kubectl(String... args) throws IOException, InterruptedException {
        Path kubeconfig = Files.createTempFile(Path.of("target"), "kubeconfig", ".yaml");
        try {
            writeKubeconfig(kubeconfig);
            List<String> command = new ArrayList<>(List.of(binary("kubectl").toString(), "--kubeconfig", kubeconfig.toString()));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", args) + " failed:\n" + output);
            }
            return output;
        } finally {
            Files.delete(kubeconfig);
        }
    }

    /** Writes a kubeconfig for this server to {@code file}, for a process of its own. */
    public Path writeKubeconfig(Path file) throws IOException {
        return Files.writeString(file, apiServer.getKubeConfigYaml());
    }

    /** The admin kubeconfig of this server, as YAML. */
    public String kubeconfigYaml() {
        return apiServer.getKubeConfigYaml();
    }

    /**
     * Starts the kube-controller-manager that install-binaries.sh built, next to kube-api-test's binaries, against
     * this server with only its garbage collector: owner references are then acted on as in a cluster. It runs as a
     * child process, with the server's admin kubeconfig, serving nothing (no port), until {@link #close()}; its
     * output goes to {@code target/kube-controller-manager.log}.
     */
    void startGarbageCollector() throws IOException, InterruptedException {
        startControllers(List.of("garbagecollector"));
    }

    /** {@link #startGarbageCollector()} with the given controllers of kube-controller-manager instead. */
    public void startControllers(List<String> controllers) throws IOException, InterruptedException {
        Path binary = binary("kube-controller-manager");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: run operator/kube/install-binaries.sh");
        }
        controllerManagerKubeconfig = writeKubeconfig(
                Files.createTempFile(Path.of("target"), "kube-controller-manager", ".kubeconfig"));
        List<String> command = List.of(binary.toString(),
                "--kubeconfig=" + controllerManagerKubeconfig,
                "--controllers=" + String.join(",", controllers),
                "--leader-elect=false",
                "--use-service-account-credentials=false",
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                // at 2 the log shows each object the collector deletes
                "--v=2");
        Files.writeString(CONTROLLER_MANAGER_LOG, String.join(" ", command) + "\n");
        controllerManager = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(CONTROLLER_MANAGER_LOG.toFile()))
                .start();
        // not left running when the JVM ends without close(), as when a test run is stopped with Ctrl-C or SIGTERM
        Process started = controllerManager;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        // a flag it does not accept or a kubeconfig it cannot use ends it at once
        if (controllerManager.waitFor(2, TimeUnit.SECONDS)) {
            throw new IllegalStateException("kube-controller-manager exited with " + controllerManager.exitValue()
                    + ", see " + CONTROLLER_MANAGER_LOG);
        }
    }

    /**
     * Restarts kube-apiserver as a crashed control-plane process comes back: SIGKILLed, {@code down} with no server,
     * then the same binary with the same arguments (port, certificates, etcd, whose data stays) until it answers
     * {@code /readyz} again. kube-api-test cannot restart its server alone (a stop stops etcd too, and a start picks a
     * new port), so the first restart takes its process over: its exit is marked expected, so that kube-api-test does
     * not stop etcd after it, and its command line is read from {@code /proc}. The restarted server's output goes to
     * {@code target/kube-apiserver-restarted.log}.
     */
    public void restartApiServer(Duration down) throws IOException, InterruptedException {
        List<String> command;
        if (restartedApiServer == null) {
            Process original = takeOverApiServerProcess();
            command = commandLine(original.pid());
            original.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } else {
            command = commandLine(restartedApiServer.pid());
            restartedApiServer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        Thread.sleep(down.toMillis());
        Files.writeString(RESTARTED_API_SERVER_LOG, String.join(" ", command) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        restartedApiServer = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(RESTARTED_API_SERVER_LOG.toFile()))
                .start();
        Process started = restartedApiServer;
        Instant startedAt = Instant.now();
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!started.isAlive()) {
                throw new IllegalStateException("the restarted kube-apiserver exited with " + started.exitValue()
                        + ", see " + RESTARTED_API_SERVER_LOG);
            }
            try {
                if ("ok".equals(client.raw("/readyz"))) {
                    restarts.add(new Startup(startedAt, Instant.now()));
                    return;
                }
            } catch (RuntimeException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the restarted kube-apiserver is not ready after 60 s, see "
                        + RESTARTED_API_SERVER_LOG);
            }
            Thread.sleep(250);
        }
    }

    /**
     * The start-ups of the restarts so far. A restarted API server takes requests before it is ready, and until its RBAC
     * caches are filled it refuses them (403, "clusterrole ... not found" even for the bootstrap roles): a refusal
     * received in one of these windows is the restart's, not a missing permission's.
     */
    public List<Startup> restarts() {
        return List.copyOf(restarts);
    }

    /** A restarted API server's start-up: its process started, then it answered {@code /readyz} with ok. */
    public record Startup(Instant started, Instant ready) {
        public boolean contains(Instant instant) {
            return !instant.isBefore(started) && !instant.isAfter(ready);
        }
    }

    /** kube-api-test's kube-apiserver process, its exit from now on marked as expected. */
    private Process takeOverApiServerProcess() {
        try {
            Object process = field(KubeAPIServer.class, "kubeApiServerProcess").get(apiServer);
            field(process.getClass(), "stopped").setBoolean(process, true);
            return (Process) field(process.getClass(), "apiServerProcess").get(process);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this kube-api-test version keeps its kube-apiserver process elsewhere;"
                    + " restartApiServer needs updating for it", e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    private static List<String> commandLine(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        List<String> arguments = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                arguments.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
            }
        }
        return arguments;
    }

    public void createNamespace(String name) {
        client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    @Override
    public void close() {
        try {
            stopGarbageCollector();
        } finally {
            client.close();
            if (restartedApiServer != null) {
                restartedApiServer.destroyForcibly();
            }
            apiServer.stop();
        }
    }

    private void stopGarbageCollector() {
        if (controllerManager == null) {
            return;
        }
        controllerManager.destroy();
        try {
            if (!controllerManager.waitFor(10, TimeUnit.SECONDS)) {
                controllerManager.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(controllerManagerKubeconfig);
        } catch (InterruptedException e) {
            controllerManager.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a kubeconfig left in target/ is harmless
        }
    }

    /** A binary install-binaries.sh put in kube-api-test's directory for this version. */
    private Path binary(String name) {
        return Path.of(System.getenv().getOrDefault("KUBE_API_TEST_DIR",
                        Path.of(System.getProperty("user.home"), ".kubeapitest").toString()),
                "k8s", version + "-linux-amd64", name);
    }

    /** The version install-binaries.sh builds: the k8s.io/kubernetes its Go module requires. */
    private static String kubernetesVersion(Path operatorModule) throws IOException {
        Path goMod = operatorModule.resolve(KUBERNETES_GO_MOD);
        Matcher required = Pattern.compile("^\\s*k8s\\.io/kubernetes v(\\S+)", Pattern.MULTILINE)
                .matcher(Files.readString(goMod));
        if (!required.find()) {
            throw new IllegalStateException(goMod + " does not require k8s.io/kubernetes");
        }
        return required.group(1);
    }

    private static boolean established(CustomResourceDefinition crd) {
        // a CRD just applied may have a status without conditions yet
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}

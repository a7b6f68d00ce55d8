package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import dev.weir.api.StreamJob;
import dev.weir.operator.checkpoints.SavepointFinalizer;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.dependents.Workload;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Helm chart's RBAC is enough for the operator: on a real kube-apiserver (RBAC authorization), {@code helm install}
 * (helm-java) installs the chart, and the operator runs in this JVM as the chart's ServiceAccount (impersonated by the
 * admin client) with the environment of the Deployment Helm created; no controller runs it as a pod. It reconciles a
 * job end to end — informers, new and changed objects, status, events, the Lease and its renewal — which it could
 * not do with a verb missing. docs/helm.md says why each verb is there; the chart's tests check it grants no more.
 */
class ChartRbacIT {
    private static final Path CHART = Path.of("..", "charts", "weir");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SPEC = """
            spec:
              source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
              pipeline:
                - filter: "temperature > -50.0"
              sink: {kafka: {topic: filtered}}
              deadLetter: {kafka: {topic: readings-dlq}}
            """;

    private final List<Runnable> stops = new ArrayList<>();

    @RegisterExtension
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces();

    private static KubernetesClient admin() {
        return platform.client();
    }

    @AfterEach
    void stopOperators() {
        stops.forEach(Runnable::run);
    }

    @Test
    void clusterWideWithLeaderElection() throws IOException {
        platform.apiServer().createNamespace("team-a");
        Deployment deployment = install("weir", "weir-system", Map.of("replicas", 2));
        assertTrue(admin().rbac().roles().inNamespace("team-a").list().getItems().isEmpty());
        OperatorConfig config = startOperator(deployment);

        StatefulSet statefulSet = reconcilesAJob("team-a", "cluster-wide");

        assertEquals("weir-runtime", statefulSet.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(config.runtimeImage(),
                statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        Lease acquired = admin().leases().inNamespace("weir-system").withName(OperatorConfig.LEASE_NAME).get();
        assertEquals(config.leaseIdentity().orElseThrow(), acquired.getSpec().getHolderIdentity());
        // a leader that cannot renew loses the Lease after its duration and, in a pod, exits
        await().atMost(TIMEOUT).until(() -> admin().leases().inNamespace("weir-system")
                        .withName(OperatorConfig.LEASE_NAME).get().getSpec().getRenewTime(),
                renewed -> renewed.isAfter(acquired.getSpec().getRenewTime()));
    }

    @Test
    void namespaced() throws IOException {
        platform.apiServer().createNamespace("team-b");
        Deployment deployment = install("jobs", "jobs-system", Map.of("watchNamespaces[0]", "team-b"));
        assertTrue(admin().rbac().clusterRoleBindings().list().getItems().stream()
                .flatMap(binding -> binding.getSubjects().stream())
                .noneMatch(subject -> "jobs-system".equals(subject.getNamespace())), "nothing cluster-wide");
        startOperator(deployment);

        StatefulSet statefulSet = reconcilesAJob("team-b", "namespaced");

        assertEquals("weir-runtime", statefulSet.getSpec().getTemplate().getSpec().getServiceAccountName());
        // the job has no checkpoint store: the operator removes its finalizer at once, with the chart's RBAC
        admin().resources(StreamJob.class).inNamespace("team-b").withName("namespaced").delete();
        await().atMost(TIMEOUT).until(() -> admin().resources(StreamJob.class).inNamespace("team-b")
                .withName("namespaced").get() == null);
    }

    /** {@code helm install release charts/weir -n namespace --create-namespace --set …}; returns the Deployment. */
    private static Deployment install(String release, String namespace, Map<String, Object> values)
            throws IOException {
        Path kubeconfig = platform.apiServer()
                .writeKubeconfig(Files.createTempFile(Path.of("target"), "helm", ".kubeconfig"));
        try {
            InstallCommand install = new Helm(CHART).install().withName(release).withNamespace(namespace)
                    .createNamespace().withKubeConfig(kubeconfig);
            values.forEach(install::set);
            assertEquals("deployed", install.call().getStatus());
        } finally {
            Files.delete(kubeconfig);
        }
        List<Deployment> operators = admin().apps().deployments().inNamespace(namespace)
                .withLabel("app.kubernetes.io/name", "weir-operator").list().getItems();
        assertEquals(1, operators.size());
        return operators.get(0);
    }

    /** Starts the operator in this JVM as the Deployment would run it, as the Deployment's ServiceAccount. */
    private OperatorConfig startOperator(Deployment deployment) throws IOException {
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Map<String, String> env = new HashMap<>();
        for (EnvVar variable : pod.getContainers().get(0).getEnv()) {
            env.put(variable.getName(), variable.getValue());
        }
        env.put(OperatorConfig.LEASE_IDENTITY, deployment.getMetadata().getName() + "-0");
        OperatorConfig fromChart = OperatorConfig.fromEnvironment(env);
        // stopping the test's operator must not end the JVM, as losing the Lease does from the environment
        OperatorConfig config = new OperatorConfig(fromChart.runtimeImage(), fromChart.watchNamespaces(),
                fromChart.leaseNamespace(), fromChart.leaseIdentity(), false, fromChart.runtimeDefaults());

        KubernetesClient asServiceAccount = clientAs(deployment.getMetadata().getNamespace(),
                pod.getServiceAccountName());
        Operator operator = WeirOperator.start(asServiceAccount, config, Metrics.NOOP);
        stops.add(() -> {
            operator.stop();
            asServiceAccount.close();
        });
        return config;
    }

    /** The admin's client impersonating the ServiceAccount, with the groups a token of it would carry. */
    private static KubernetesClient clientAs(String namespace, String serviceAccount) throws IOException {
        Path kubeconfig = platform.apiServer()
                .writeKubeconfig(Files.createTempFile(Path.of("target"), "rbac", ".kubeconfig"));
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            config.setImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount);
            config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace,
                    "system:authenticated");
            return new KubernetesClientBuilder().withConfig(config).build();
        } finally {
            Files.delete(kubeconfig);
        }
    }

    /**
     * Applies a job and waits for all the operator writes: the ConfigMap, StatefulSet and Service created, the status,
     * the Created event; then an edit of the spec, which changes the existing objects by patch.
     */
    private static StatefulSet reconcilesAJob(String namespace, String name) {
        admin().resource(admin().getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                """.formatted(name, namespace) + SPEC, StreamJob.class)).create();

        await().atMost(TIMEOUT).until(() -> admin().resources(StreamJob.class).inNamespace(namespace).withName(name)
                .get().getStatus(), status -> status != null && "Pending".equals(status.phase));
        assertNotNull(admin().configMaps().inNamespace(namespace).withName(name + "-job").get());
        assertNotNull(admin().services().inNamespace(namespace).withName(name).get());
        await().atMost(TIMEOUT).until(() -> admin().v1().events().inNamespace(namespace).list().getItems().stream()
                .anyMatch(event -> name.equals(event.getInvolvedObject().getName())
                        && "Created".equals(event.getReason())));
        String hash = configHash(namespace, name);

        admin().resources(StreamJob.class).inNamespace(namespace).withName(name).patch(PatchContext.of(
                PatchType.JSON_MERGE), "{\"spec\": {\"pipeline\": [{\"filter\": \"temperature > 0.0\"}]}}");
        await().atMost(TIMEOUT).until(() -> admin().resources(StreamJob.class).inNamespace(namespace).withName(name)
                .get().getStatus(), status -> status.observedGeneration == 2);
        assertNotEquals(hash, configHash(namespace, name), "the StatefulSet was patched with the new job file");
        assertTrue(admin().configMaps().inNamespace(namespace).withName(name + "-job").get().getData()
                .get(Workload.JOB_FILE).contains("temperature > 0.0"));
        assertEquals(List.of(SavepointFinalizer.NAME), admin().resources(StreamJob.class).inNamespace(namespace)
                .withName(name).get().getMetadata().getFinalizers(), "the finalizer was added by patch");
        return admin().apps().statefulSets().inNamespace(namespace).withName(name).get();
    }

    private static String configHash(String namespace, String name) {
        return admin().apps().statefulSets().inNamespace(namespace).withName(name).get().getSpec().getTemplate()
                .getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION);
    }
}

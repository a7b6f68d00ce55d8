package dev.weir.e2e.harness;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the harness does for any workload, shown on a StatefulSet of {@link ProbeTarget} processes: pods with ordinal
 * names on the harness's node, probes → Ready and workload status, ConfigMap files kept in step, a crashed process
 * restarted after CrashLoopBackOff with its exit code reported, scale-down from the highest ordinal, a template change
 * rolled out, and no process left once the workload is gone.
 */
class LocalClusterIT {
    private static final String IMAGE = "harness/probe-target";
    private static final String NAMESPACE = "harness";
    private static final String NAME = "probe";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ImageTable IMAGES = new ImageTable(Map.of(IMAGE, new LocalImage(
            List.of("java", "-cp", Path.of("target", "test-classes").toAbsolutePath().toString(),
                    ProbeTarget.class.getName()),
            Map.of(), Map.of(8080, "PORT"), Map.of())));

    private static LocalCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.start(IMAGES);
        client = cluster.client();
        client.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void runsRestartsScalesRollsAndRemovesAStatefulSetsPods() throws Exception {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName(NAME).withNamespace(NAMESPACE).endMetadata()
                .addToData("greeting", "hello").build()).create();
        StatefulSet statefulSet = Serialization.unmarshal("""
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: probe, namespace: harness}
                spec:
                  serviceName: probe
                  podManagementPolicy: Parallel
                  replicas: 3
                  selector: {matchLabels: {app: probe}}
                  template:
                    metadata: {labels: {app: probe}}
                    spec:
                      automountServiceAccountToken: false
                      terminationGracePeriodSeconds: 5
                      containers:
                        - name: main
                          image: harness/probe-target:1
                          env:
                            - {name: CRASH_FILE, value: /scratch/crash}
                            - {name: GREETING, valueFrom: {configMapKeyRef: {name: probe, key: greeting}}}
                          ports: [{name: http, containerPort: 8080}]
                          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
                          volumeMounts:
                            - {name: scratch, mountPath: /scratch}
                            - {name: config, mountPath: /etc/probe}
                      volumes:
                        - {name: scratch, emptyDir: {}}
                        - {name: config, configMap: {name: probe}}
                """, StatefulSet.class);
        client.resource(statefulSet).create();

        await().atMost(TIMEOUT).untilAsserted(() -> assertRolledOut(3));
        assertEquals(List.of("probe-0", "probe-1", "probe-2"), podNames());
        Pod pod = pod("probe-1");
        assertEquals(Kubelet.NODE_NAME, pod.getSpec().getNodeName());
        assertEquals("StatefulSet", pod.getMetadata().getOwnerReferences().get(0).getKind());
        assertEquals(PodSandbox.LOOPBACK, pod.getStatus().getPodIP());

        Path greeting = cluster.podDir(NAMESPACE, "probe-1").resolve("volumes/config/greeting");
        assertEquals("hello", Files.readString(greeting));
        client.configMaps().inNamespace(NAMESPACE).withName(NAME).edit(map -> withGreeting(map, "bonjour"));
        await().atMost(TIMEOUT).until(() -> Files.readString(greeting).equals("bonjour"));

        Path crashFile = cluster.podDir(NAMESPACE, "probe-1").resolve("volumes/scratch/crash");
        Files.writeString(crashFile, "now");
        await().atMost(TIMEOUT).untilAsserted(() -> {
            ContainerStatus main = pod("probe-1").getStatus().getContainerStatuses().get(0);
            assertNotNull(main.getState().getWaiting(), () -> "waiting: " + main);
            assertEquals("CrashLoopBackOff", main.getState().getWaiting().getReason());
            assertNotNull(main.getLastState(), () -> "last state: " + main);
            assertNotNull(main.getLastState().getTerminated(), () -> "last state: " + main);
            assertEquals(ProbeTarget.CRASH_EXIT_CODE, main.getLastState().getTerminated().getExitCode());
            assertEquals(false, main.getReady());
            assertEquals(2, statefulSet().getStatus().getReadyReplicas());
        });
        Files.delete(crashFile);
        await().atMost(TIMEOUT).untilAsserted(() -> {
            ContainerStatus main = pod("probe-1").getStatus().getContainerStatuses().get(0);
            assertEquals(1, main.getRestartCount());
            assertEquals(true, main.getReady());
        });

        client.apps().statefulSets().inNamespace(NAMESPACE).withName(NAME).scale(1);
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertEquals(List.of("probe-0"), podNames());
            assertEquals(1, cluster.podsWithProcesses());
            assertRolledOut(1);
        });

        String before = pod("probe-0").getMetadata().getUid();
        client.apps().statefulSets().inNamespace(NAMESPACE).withName(NAME).edit(s -> {
            s.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("rolled", "yes"));
            return s;
        });
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertRolledOut(1);
            assertNotEquals(before, pod("probe-0").getMetadata().getUid());
            assertEquals("yes", pod("probe-0").getMetadata().getAnnotations().get("rolled"));
        });

        client.resource(statefulSet()).delete();
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertEquals(List.of(), podNames());
            assertEquals(0, cluster.podsWithProcesses());
        });
    }

    /** The status the StatefulSet controller writes once every pod is on the current revision and ready. */
    private static void assertRolledOut(int replicas) {
        StatefulSet current = statefulSet();
        StatefulSetStatus status = current.getStatus();
        assertEquals(current.getMetadata().getGeneration(), status.getObservedGeneration());
        assertEquals(replicas, status.getReplicas());
        assertEquals(replicas, status.getReadyReplicas());
        assertEquals(replicas, status.getUpdatedReplicas());
        assertEquals(status.getUpdateRevision(), status.getCurrentRevision());
        List<Pod> pods = client.pods().inNamespace(NAMESPACE).withLabel("app", NAME).list().getItems();
        assertEquals(replicas, pods.size());
        assertTrue(pods.stream().allMatch(p -> p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))), "every pod Ready");
    }

    private static ConfigMap withGreeting(ConfigMap map, String greeting) {
        map.getData().put("greeting", greeting);
        return map;
    }

    private static StatefulSet statefulSet() {
        return client.apps().statefulSets().inNamespace(NAMESPACE).withName(NAME).get();
    }

    private static Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private static List<String> podNames() {
        return client.pods().inNamespace(NAMESPACE).withLabel("app", NAME).list().getItems().stream()
                .map(p -> p.getMetadata().getName()).sorted().toList();
    }
}

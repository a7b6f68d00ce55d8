package dev.weir.operator;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.dependents.Labels;
import dev.weir.operator.dependents.Workload;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator, running in this JVM, against a real kube-apiserver. There is no controller manager and no kubelet:
 * StatefulSets get no pods and owner references are not acted on, so these tests check what the API server holds —
 * the objects the operator writes, their owner references, and the status it reports, including what it makes of a
 * StatefulSet status the test writes in the controller's place.
 */
class StreamJobReconcilerIT {
    private static final String NAMESPACE = "jobs";
    private static final String IMAGE = "weir-runtime:it";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final String SPEC = """
            spec:
              source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
              pipeline:
                - filter: "temperature > -50.0"
                - window: {keyBy: sensor_id, tumbling: 10m, aggregate: {readings: count()}}
              sink: {kafka: {topic: aggregates}}
              deadLetter: {kafka: {topic: readings-dlq}}
            """;

    private static final ReconcileCounter reconciles = new ReconcileCounter();

    @RegisterExtension
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces(NAMESPACE).withOperator(
            client -> WeirOperator.start(client, OperatorConfig.withoutLeaderElection(IMAGE, Set.of()), reconciles));

    private static KubernetesClient client() {
        return platform.client();
    }

    @Test
    void aJobGetsItsConfigMapStatefulSetAndServiceOwnedByIt() throws InvalidJobException {
        StreamJob job = create("readings", SPEC);

        StatefulSet statefulSet = awaitStatefulSet("readings");
        ConfigMap configMap = client().configMaps().inNamespace(NAMESPACE).withName("readings-job").get();
        Service service = client().services().inNamespace(NAMESPACE).withName("readings").get();
        for (HasMetadata owned : List.of(configMap, statefulSet, service)) {
            assertEquals(1, owned.getMetadata().getOwnerReferences().size(), owned.getKind());
            OwnerReference owner = owned.getMetadata().getOwnerReferences().get(0);
            assertEquals(List.of("StreamJob", "readings", job.getMetadata().getUid(), true),
                    List.of(owner.getKind(), owner.getName(), owner.getUid(), owner.getController()),
                    owned.getKind());
        }

        StreamJob jobFile = JobFiles.readString(configMap.getData().get("job.yaml"), "job.yaml");
        assertEquals("readings", jobFile.getMetadata().getName());
        assertEquals("temperature > -50.0", jobFile.getSpec().pipeline.get(0).filter);

        var pod = statefulSet.getSpec().getTemplate();
        Container runtime = pod.getSpec().getContainers().get(0);
        assertEquals(1, statefulSet.getSpec().getReplicas());
        assertEquals("readings", statefulSet.getSpec().getServiceName());
        assertEquals(IMAGE, runtime.getImage());
        assertNotNull(pod.getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION));
        assertEquals(true, pod.getSpec().getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSpec().getSecurityContext().getSeccompProfile().getType());
        assertEquals(true, runtime.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), runtime.getSecurityContext().getCapabilities().getDrop());
        assertEquals("/q/health/live", runtime.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", runtime.getReadinessProbe().getHttpGet().getPath());
        assertNotNull(runtime.getResources().getLimits().get("memory"));
        assertEquals("readings-job", pod.getSpec().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null).findFirst().orElseThrow()
                .getConfigMap().getName());

        assertEquals("None", service.getSpec().getClusterIP());
        assertEquals(9000, service.getSpec().getPorts().get(0).getPort());
        assertEquals(Labels.selector("readings"), service.getSpec().getSelector());

        StreamJob reported = awaitStatus("readings", status -> "Pending".equals(status.phase));
        assertEquals(1L, reported.getStatus().observedGeneration);
        assertCondition(reported, "Ready", "False", "ReplicasNotReady");
        assertCondition(reported, "Progressing", "True", "RollingOut");
        assertEquals(1, reported.getStatus().replicas);
        assertEquals(0, reported.getStatus().readyReplicas);
    }

    @Test
    void statusReportsTheStatefulSetsReadyPodsAndKubectlGetShowsIt() throws Exception {
        create("ready", SPEC);
        StatefulSet statefulSet = awaitStatefulSet("ready");
        awaitStatus("ready", status -> "Pending".equals(status.phase));
        String pending = platform.apiServer().kubectl("get", "sj", "ready", "-n", NAMESPACE);

        // what the StatefulSet controller would write once the pod is ready
        statefulSet.setStatus(new StatefulSetStatusBuilder()
                .withObservedGeneration(statefulSet.getMetadata().getGeneration())
                .withReplicas(1).withReadyReplicas(1).withUpdatedReplicas(1).withAvailableReplicas(1)
                .withCurrentRevision("ready-1").withUpdateRevision("ready-1")
                .build());
        client().resource(statefulSet).updateStatus();

        StreamJob reported = awaitStatus("ready", status -> "Running".equals(status.phase));
        assertCondition(reported, "Ready", "True", "AllReplicasReady");
        assertCondition(reported, "Progressing", "False", "RolloutComplete");
        assertEquals(1, reported.getStatus().readyReplicas);

        String running = platform.apiServer().kubectl("get", "sj", "ready", "-n", NAMESPACE);
        System.out.println("kubectl get sj, before and after the pod is ready:\n" + pending + running);
        assertTrue(running.startsWith("NAME    READY   PHASE     REPLICAS   LAG   LAG (S)   AGE"), running);
        assertTrue(running.matches("(?s).*\\nready\\s+True\\s+Running\\s+1\\s+.*"), running);
        assertTrue(pending.matches("(?s).*\\nready\\s+False\\s+Pending\\s+1\\s+.*"), pending);
    }

    @Test
    void aCrashLoopingRuntimePodMakesTheJobDegradedWithAWarning() {
        create("crashy", SPEC);
        awaitStatus("crashy", status -> "Pending".equals(status.phase));

        // the pod the StatefulSet controller would create, in the state the kubelet would report
        Pod pod = client().resource(new PodBuilder()
                .withNewMetadata().withName("crashy-0").withNamespace(NAMESPACE).withLabels(Labels.of("crashy"))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("runtime").withImage(IMAGE).endContainer().endSpec()
                .build()).create();
        pod.setStatus(new PodStatusBuilder().addNewContainerStatus()
                .withName("runtime").withImage(IMAGE).withImageID("").withReady(false).withRestartCount(4)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated()
                .endLastState()
                .endContainerStatus().build());
        client().resource(pod).updateStatus();

        StreamJob reported = awaitStatus("crashy", status -> status.conditions.stream()
                .anyMatch(c -> "Degraded".equals(c.getType()) && "True".equals(c.getStatus())));
        Condition degraded = assertCondition(reported, "Degraded", "True", "CrashLoopBackOff");
        assertEquals("pod crashy-0: container runtime restarted 4 times, last exit code 1 (Error)",
                degraded.getMessage());
        await().atMost(TIMEOUT).until(() -> warningEvents("crashy").stream()
                .anyMatch(event -> event.startsWith("CrashLoopBackOff: pod crashy-0")));
    }

    @Test
    void anInvalidSpecGetsInvalidSpecNamingTheFieldAWarningAndNoWorkload() {
        create("broken", SPEC.replace("temperature > -50.0", "temperature >"));

        StreamJob reported = awaitStatus("broken", status -> "Failed".equals(status.phase));
        Condition ready = assertCondition(reported, "Ready", "False", "InvalidSpec");
        assertTrue(ready.getMessage().contains("spec.pipeline[0].filter"), ready.getMessage());
        assertEquals(1L, reported.getStatus().observedGeneration);
        await().atMost(TIMEOUT).until(() -> warningEvents("broken").stream()
                .anyMatch(event -> event.contains("spec.pipeline[0].filter")));

        assertNull(client().apps().statefulSets().inNamespace(NAMESPACE).withName("broken").get());
        assertNull(client().configMaps().inNamespace(NAMESPACE).withName("broken-job").get());
        assertNull(client().services().inNamespace(NAMESPACE).withName("broken").get());
    }

    @Test
    void aKinesisJobIsDeployedOnOnePodAndMorePodsAreRefusedNamingTheField() {
        String kinesis = SPEC.replace("kafka: {bootstrapServers: \"kafka:9092\", topic: readings}",
                        "kinesis: {stream: readings, region: eu-west-1, credentialsSecret: {name: aws-keys}}")
                .replace("sink: {kafka: {topic: aggregates}}", "sink: {kinesis: {stream: aggregates}}")
                .replace("deadLetter: {kafka: {topic: readings-dlq}}", "deadLetter: {kinesis: {stream: readings-dlq}}");
        create("kinesis", kinesis);
        create("kinesis-wide", kinesis.replace("spec:\n", "spec:\n  replicas: 3\n"));

        StatefulSet statefulSet = awaitStatefulSet("kinesis");
        assertEquals(1, statefulSet.getSpec().getReplicas());
        var env = statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        var keyId = env.stream().filter(e -> e.getName().equals("AWS_ACCESS_KEY_ID")).findFirst().orElseThrow();
        assertEquals("aws-keys", keyId.getValueFrom().getSecretKeyRef().getName());
        assertNull(keyId.getValue(), "a reference to the Secret, never the key");
        awaitStatus("kinesis", status -> "Pending".equals(status.phase));

        StreamJob refused = awaitStatus("kinesis-wide", status -> "Failed".equals(status.phase));
        Condition ready = assertCondition(refused, "Ready", "False", "InvalidSpec");
        assertTrue(ready.getMessage().contains("spec.checkpoints.location: is required for a Kinesis job on several pods"),
                ready.getMessage());
        assertNull(client().apps().statefulSets().inNamespace(NAMESPACE).withName("kinesis-wide").get());
    }

    @Test
    void aQueryOutsideTheSqlSubsetGetsInvalidSpecNamingSpecSqlAndItsPosition() {
        create("joined", """
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  eventTime: {field: event_time}
                  sql: |
                    SELECT sensor_id, window_start, window_end, COUNT(*) AS readings
                    FROM readings JOIN sites ON readings.site = sites.id
                    GROUP BY window_start, window_end, sensor_id
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                """);

        StreamJob reported = awaitStatus("joined", status -> "Failed".equals(status.phase));
        Condition ready = assertCondition(reported, "Ready", "False", "InvalidSpec");
        assertTrue(ready.getMessage().contains("spec.sql: line 2, column 15: joins are not supported"),
                ready.getMessage());
        await().atMost(TIMEOUT).until(() -> warningEvents("joined").stream()
                .anyMatch(event -> event.contains("spec.sql: line 2, column 15")));
        assertNull(client().apps().statefulSets().inNamespace(NAMESPACE).withName("joined").get());
    }

    @Test
    void anEditIntoAnInvalidSpecLeavesTheLastValidWorkloadRunning() {
        create("regressed", SPEC);
        String validHash = podConfigHash(awaitStatefulSet("regressed"));
        awaitStatus("regressed", status -> "Pending".equals(status.phase));

        patchSpec("regressed", "{\"pipeline\": [{\"filter\": \"temperature >\"}]}");

        StreamJob reported = awaitStatus("regressed", status -> "Failed".equals(status.phase));
        assertCondition(reported, "Ready", "False", "InvalidSpec");
        assertEquals(2L, reported.getStatus().observedGeneration);
        assertEquals(validHash, podConfigHash(awaitStatefulSet("regressed")));
        assertTrue(client().configMaps().inNamespace(NAMESPACE).withName("regressed-job").get()
                .getData().get("job.yaml").contains("temperature > -50.0"));
    }

    @Test
    void aSpecEditRollsThePodsAndAReconcileWithoutChangesWritesNothing() {
        create("edited", SPEC);
        String firstHash = podConfigHash(awaitStatefulSet("edited"));

        patchSpec("edited", "{\"pipeline\": [{\"filter\": \"temperature > -40.0\"},"
                + " {\"window\": {\"keyBy\": \"sensor_id\", \"tumbling\": \"10m\","
                + " \"aggregate\": {\"readings\": \"count()\"}}}]}");

        await().atMost(TIMEOUT).until(() -> !firstHash.equals(podConfigHash(awaitStatefulSet("edited"))));
        awaitStatus("edited", status -> Long.valueOf(2).equals(status.observedGeneration));
        assertTrue(client().configMaps().inNamespace(NAMESPACE).withName("edited-job").get()
                .getData().get("job.yaml").contains("temperature > -40.0"));
        await().atMost(TIMEOUT).until(() -> normalEventReasons("edited").containsAll(List.of("Created", "SpecChanged")));

        Map<String, String> before = resourceVersions("edited");
        int reconciled = reconciles.of("edited");
        // an owned object's change makes the operator reconcile the job; an annotation of someone else's is no drift
        Service service = client().services().inNamespace(NAMESPACE).withName("edited").patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\": {\"annotations\": {\"example.com/touched\": \"yes\"}}}");
        await().atMost(TIMEOUT).until(() -> reconciles.of("edited") > reconciled);

        Map<String, String> after = resourceVersions("edited");
        assertEquals(service.getMetadata().getResourceVersion(), after.remove("Service"));
        before.remove("Service");
        assertEquals(before, after);
    }

    @Test
    void theRuntimeImageAnnotationChangesTheImageOfOneJob() {
        create("canary", SPEC);
        awaitStatus("canary", status -> "Pending".equals(status.phase));

        jobs().withName("canary").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\": {\"annotations\": {\"weir.dev/runtime-image\": \"weir-runtime:canary\"}}}");

        await().atMost(TIMEOUT).until(() -> awaitStatefulSet("canary").getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage().equals("weir-runtime:canary"));
    }

    @Test
    void suspendScalesToZeroAndResumeScalesBack() {
        create("pausable", SPEC);
        awaitStatus("pausable", status -> "Pending".equals(status.phase));

        setSuspend("pausable", true);

        await().atMost(TIMEOUT).until(() -> awaitStatefulSet("pausable").getSpec().getReplicas() == 0);
        StreamJob suspended = awaitStatus("pausable", status -> "Suspended".equals(status.phase));
        assertEquals(2L, suspended.getStatus().observedGeneration);
        assertEquals(0, suspended.getStatus().replicas);
        assertCondition(suspended, "Ready", "False", "Suspended");
        await().atMost(TIMEOUT).until(() -> normalEventReasons("pausable").contains("Suspended"));

        setSuspend("pausable", false);

        await().atMost(TIMEOUT).until(() -> awaitStatefulSet("pausable").getSpec().getReplicas() == 1);
        StreamJob resumed = awaitStatus("pausable", status -> "Pending".equals(status.phase));
        assertEquals(3L, resumed.getStatus().observedGeneration);
        assertEquals(1, resumed.getStatus().replicas);
        await().atMost(TIMEOUT).until(() -> normalEventReasons("pausable").contains("Resumed"));
    }

    @Test
    void theScaleSubresourceSizesTheJobWithoutRollingItsPods() {
        create("scalable", SPEC);
        StreamJob pending = awaitStatus("scalable", status -> "Pending".equals(status.phase));
        assertEquals("app.kubernetes.io/name=weir-runtime,app.kubernetes.io/instance=scalable",
                pending.getStatus().selector, "the scale subresource's label selector, for an HPA or KEDA");
        String hash = podConfigHash(awaitStatefulSet("scalable"));

        jobs().withName("scalable").scale(3);

        await().atMost(TIMEOUT).until(() -> awaitStatefulSet("scalable").getSpec().getReplicas() == 3);
        assertEquals(3, awaitStatus("scalable", status -> Integer.valueOf(3).equals(status.replicas))
                .getStatus().replicas);
        assertEquals(hash, podConfigHash(awaitStatefulSet("scalable")), "scaling does not roll the pods");
    }

    @Test
    void resourcesFromTheSpecOverTheDefaults() {
        create("sized", SPEC + "  resources: {requests: {cpu: 250m}, limits: {memory: 2Gi}}\n");
        var resources = awaitStatefulSet("sized").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getResources();
        assertEquals("250m", resources.getRequests().get("cpu").toString());
        assertEquals("1Gi", resources.getRequests().get("memory").toString(), "the default where the spec is silent");
        assertEquals("2Gi", resources.getLimits().get("memory").toString());
        assertEquals("2", resources.getLimits().get("cpu").toString());
    }

    private static StreamJob create(String name, String spec) {
        StreamJob job = client().getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                """.formatted(name, NAMESPACE) + spec, StreamJob.class);
        return jobs().resource(job).create();
    }

    private static void setSuspend(String name, boolean suspend) {
        patchSpec(name, "{\"suspend\": " + suspend + "}");
    }

    /** A merge patch of the spec, as {@code kubectl patch --type merge}: no resourceVersion, so no conflict with the
     * operator's status writes. */
    private static void patchSpec(String name, String specJson) {
        jobs().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": " + specJson + "}");
    }

    private static StatefulSet awaitStatefulSet(String name) {
        return await().atMost(TIMEOUT).until(
                () -> client().apps().statefulSets().inNamespace(NAMESPACE).withName(name).get(),
                statefulSet -> statefulSet != null);
    }

    private static StreamJob awaitStatus(String name, java.util.function.Predicate<dev.weir.api.StreamJobStatus> is) {
        return await().atMost(TIMEOUT).until(() -> jobs().withName(name).get(),
                job -> job.getStatus() != null && is.test(job.getStatus()));
    }

    private static Condition assertCondition(StreamJob job, String type, String status, String reason) {
        Condition condition = job.getStatus().conditions.stream().filter(c -> type.equals(c.getType()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type + " condition: " + job.getStatus()));
        assertEquals(List.of(status, reason), List.of(condition.getStatus(), condition.getReason()),
                condition.toString());
        assertNotNull(condition.getLastTransitionTime());
        return condition;
    }

    private static String podConfigHash(StatefulSet statefulSet) {
        return statefulSet.getSpec().getTemplate().getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION);
    }

    /** The resourceVersion of the job and each object the operator made for it, by kind. */
    private static Map<String, String> resourceVersions(String name) {
        Map<String, String> versions = new ConcurrentHashMap<>();
        versions.put("StreamJob", jobs().withName(name).get().getMetadata().getResourceVersion());
        versions.put("ConfigMap", client().configMaps().inNamespace(NAMESPACE).withName(name + "-job").get()
                .getMetadata().getResourceVersion());
        versions.put("StatefulSet", client().apps().statefulSets().inNamespace(NAMESPACE).withName(name).get()
                .getMetadata().getResourceVersion());
        versions.put("Service", client().services().inNamespace(NAMESPACE).withName(name).get()
                .getMetadata().getResourceVersion());
        return versions;
    }

    private static List<String> warningEvents(String name) {
        return events(name).stream().filter(event -> "Warning".equals(event.getType()))
                .map(event -> event.getReason() + ": " + event.getMessage()).toList();
    }

    private static List<String> normalEventReasons(String name) {
        return events(name).stream().filter(event -> "Normal".equals(event.getType()))
                .map(io.fabric8.kubernetes.api.model.Event::getReason).toList();
    }

    private static List<io.fabric8.kubernetes.api.model.Event> events(String name) {
        return client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(event -> name.equals(event.getInvolvedObject().getName())
                        && "StreamJob".equals(event.getInvolvedObject().getKind()))
                .toList();
    }

    private static io.fabric8.kubernetes.client.dsl.MixedOperation<StreamJob,
            io.fabric8.kubernetes.api.model.KubernetesResourceList<StreamJob>,
            io.fabric8.kubernetes.client.dsl.Resource<StreamJob>> jobsInAllNamespaces() {
        return client().resources(StreamJob.class);
    }

    private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<StreamJob,
            io.fabric8.kubernetes.api.model.KubernetesResourceList<StreamJob>,
            io.fabric8.kubernetes.client.dsl.Resource<StreamJob>> jobs() {
        return jobsInAllNamespaces().inNamespace(NAMESPACE);
    }

    /** Counts finished reconciles per job name: how a test knows the operator has looked again. */
    private static final class ReconcileCounter implements Metrics {
        private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();

        @Override
        public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
            finished.computeIfAbsent(resource.getMetadata().getName(), name -> new AtomicInteger()).incrementAndGet();
        }

        int of(String name) {
            AtomicInteger count = finished.get(name);
            return count == null ? 0 : count.get();
        }
    }
}

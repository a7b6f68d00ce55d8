package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.CheckpointsStatus;
import dev.weir.api.ConsumerGroups;
import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.S3Options;
import dev.weir.checkpoint.StaticCredentials;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.checkpoint.testing.S3Server;
import dev.weir.operator.checkpoints.CheckpointStatuses;
import dev.weir.operator.checkpoints.SavepointFinalizer;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.dependents.Labels;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view of a job's checkpoint store, on a real API server and a real S3 API server (S3Proxy) or a
 * local folder. No runtime pod runs here (the API server runs no StatefulSet controller or kubelet): where a runtime
 * would write a checkpoint or savepoint, the test writes one with the checkpoint store itself, as the runtime does.
 */
class CheckpointStatusIT {
    @RegisterExtension
    @Order(1)
    static final S3Server s3 = new S3Server();

    private static final String NAMESPACE = "ckpt";
    private static final String BUCKET = "weir-checkpoints";
    private static final String SECRET = "checkpoint-keys";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String SOURCE = """
              source: {kafka: {bootstrapServers: "127.0.0.1:1", topic: readings}}
              pipeline:
                - window: {keyBy: sensor_id, tumbling: 10m, aggregate: {readings: count()}}
              sink: {kafka: {topic: aggregates}}
              deadLetter: {kafka: {topic: readings-dlq}}
            """;

    @TempDir
    static Path folders;

    @RegisterExtension
    @Order(2)
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces(NAMESPACE)
            .withSetup(platform -> {
                s3.createBucket(BUCKET);
                platform.client().secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
                        .withNewMetadata().withName(SECRET).endMetadata()
                        .withStringData(Map.of("key-id", S3Server.ACCESS_KEY, "secret-key", S3Server.SECRET_KEY))
                        .build()).create();
            })
            .withOperator(client -> WeirOperator.start(client,
                    OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()), Metrics.NOOP));

    private static KubernetesClient client() {
        return platform.client();
    }

    @Test
    void statusListsTheLatestCheckpointAndTheSavepointsTheStoreHolds() throws Exception {
        StreamJob job = create("listed", s3Checkpoints("listed"));
        CheckpointInfo checkpoint;
        CheckpointInfo savepoint;
        try (TaskCheckpoints store = s3Store(job)) {
            checkpoint = write(store, "0_0", false);
            savepoint = write(store, "0_1", true);
        }

        StreamJobStatus status = awaitStatus("listed", s -> s.checkpoints != null && s.checkpoints.latest != null
                && s.checkpoints.savepoints.size() == 1);
        CheckpointsStatus listed = status.checkpoints;
        assertEquals("s3://" + BUCKET + "/listed/" + ConsumerGroups.of(job) + "/", listed.location);
        assertEquals(List.of(checkpoint.id(), "0_0", checkpoint.location().toString(), checkpoint.totalBytes()),
                List.of(listed.latest.id, listed.latest.taskId, listed.latest.location, listed.latest.sizeBytes));
        assertEquals(checkpoint.createdAt().toEpochMilli(), java.time.Instant.parse(listed.latest.time).toEpochMilli());
        CheckpointsStatus.StoredCheckpoint stored = listed.savepoints.get(0);
        assertEquals(List.of(savepoint.id(), "0_1", savepoint.location().toString(), savepoint.totalBytes()),
                List.of(stored.id, stored.taskId, stored.location, stored.sizeBytes));
        assertCondition(status, Conditions.DEGRADED, "False");
    }

    @Test
    void theSecretReachesThePodsAsReferencesAndItsValuesNowhereElse() {
        create("keys", s3Checkpoints("keys"));
        StatefulSet statefulSet = await().atMost(TIMEOUT).until(
                () -> client().apps().statefulSets().inNamespace(NAMESPACE).withName("keys").get(), s -> s != null);
        List<EnvVar> env = statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        EnvVar keyId = env.stream().filter(v -> StaticCredentials.ACCESS_KEY_ID_ENV.equals(v.getName()))
                .findFirst().orElseThrow();
        EnvVar secretKey = env.stream().filter(v -> StaticCredentials.SECRET_ACCESS_KEY_ENV.equals(v.getName()))
                .findFirst().orElseThrow();
        assertEquals(List.of(SECRET, "key-id"), List.of(keyId.getValueFrom().getSecretKeyRef().getName(),
                keyId.getValueFrom().getSecretKeyRef().getKey()));
        assertEquals(List.of(SECRET, "secret-key"), List.of(secretKey.getValueFrom().getSecretKeyRef().getName(),
                secretKey.getValueFrom().getSecretKeyRef().getKey()));

        // the operator read the keys to list the store: a listing without error says they worked
        StreamJobStatus status = awaitStatus("keys", s -> s.checkpoints != null && s.checkpoints.location != null);
        assertEquals(null, status.checkpoints.error);
        ConfigMap configMap = client().configMaps().inNamespace(NAMESPACE).withName("keys-job").get();
        for (String written : List.of(client().getKubernetesSerialization().asJson(configMap),
                client().getKubernetesSerialization().asJson(status),
                client().getKubernetesSerialization().asJson(statefulSet))) {
            assertFalse(written.contains(S3Server.SECRET_KEY), written);
            assertFalse(written.contains(S3Server.ACCESS_KEY), written);
        }
    }

    @Test
    void checkpointsFailingAppearsWhileTheStoreIsDownAndClearsWhenItReturns() {
        create("outage", s3Checkpoints("outage"));
        awaitStatus("outage", s -> s.checkpoints != null && s.checkpoints.location != null
                && s.checkpoints.error == null);

        s3.stop();
        try {
            StreamJobStatus down = awaitStatus("outage", s -> degraded(s).map(c -> "True".equals(c.getStatus()))
                    .orElse(false));
            Condition failing = degraded(down).orElseThrow();
            assertEquals(CheckpointStatuses.CHECKPOINTS_FAILING, failing.getReason());
            assertTrue(failing.getMessage().contains("s3://" + BUCKET + "/outage/"), failing.getMessage());
            assertNotNull(down.checkpoints.error);
            assertTrue(warningEvents("outage").stream().anyMatch(e -> e.contains(CheckpointStatuses.CHECKPOINTS_FAILING)),
                    "a Warning event when the job becomes Degraded");
        } finally {
            s3.start();
        }
        StreamJobStatus back = awaitStatus("outage", s -> degraded(s).map(c -> "False".equals(c.getStatus()))
                .orElse(false));
        assertEquals(null, back.checkpoints.error);
    }

    @Test
    void aMissingSecretIsReportedNamingTheField() {
        create("nosecret", """
                spec:
                """ + SOURCE + """
                  checkpoints:
                    location: s3://%s/nosecret
                    interval: 1s
                    s3: {endpoint: "%s", credentialsSecret: {name: absent}}
                """.formatted(BUCKET, s3.endpoint()));
        StreamJobStatus status = awaitStatus("nosecret", s -> degraded(s).map(c -> "True".equals(c.getStatus()))
                .orElse(false));
        String message = degraded(status).orElseThrow().getMessage();
        assertTrue(message.contains("spec.checkpoints.s3.credentialsSecret.name") && message.contains("absent"),
                message);
    }

    @Test
    void aSavepointRequestReachesThePodsWithoutARollAndIsDoneOnceEveryTaskHasASavepoint() throws Exception {
        Path location = Files.createDirectories(folders.resolve("on-demand"));
        StreamJob job = create("ondemand", fileCheckpoints(location, "2m"));
        StatefulSet before = await().atMost(TIMEOUT).until(
                () -> client().apps().statefulSets().inNamespace(NAMESPACE).withName("ondemand").get(), s -> s != null);
        try (TaskCheckpoints store = fileStore(location, job)) {
            write(store, "0_0", false);
            write(store, "0_1", false);
        }
        awaitStatus("ondemand", s -> s.checkpoints != null && s.checkpoints.latest != null);

        requestSavepoint("ondemand", "nonce-1");
        await().atMost(TIMEOUT).until(() -> savepointRequestInConfigMap("ondemand"), Optional.of("nonce-1")::equals);
        StreamJobStatus pending = awaitStatus("ondemand", s -> s.checkpoints.savepointRequest != null);
        assertEquals(List.of("nonce-1", CheckpointStatuses.PENDING), List.of(pending.checkpoints.savepointRequest.nonce,
                pending.checkpoints.savepointRequest.state));
        StatefulSet after = client().apps().statefulSets().inNamespace(NAMESPACE).withName("ondemand").get();
        assertEquals(podConfigHash(before), podConfigHash(after), "a request rolls no pod");

        // in place of the runtime pods, which write a savepoint of each task when they see the new nonce
        try (TaskCheckpoints store = fileStore(location, job)) {
            CheckpointInfo first = write(store, "0_0", true);
            StreamJobStatus half = awaitStatus("ondemand", s -> "1/2".equals(s.checkpoints.savepointRequest.tasks));
            assertEquals(CheckpointStatuses.PENDING, half.checkpoints.savepointRequest.state);
            assertTrue(half.checkpoints.savepointRequest.message.contains("0_1"),
                    half.checkpoints.savepointRequest.message);
            assertEquals(Optional.of("nonce-1"), savepointRequestInConfigMap("ondemand"),
                    "a pod that starts while the request is pending still sees it");

            CheckpointInfo second = write(store, "0_1", true);
            StreamJobStatus done = awaitStatus("ondemand", s -> CheckpointStatuses.DONE.equals(
                    s.checkpoints.savepointRequest.state));
            assertEquals(List.of("nonce-1", "2/2", List.of(first.id(), second.id())), List.of(
                    done.checkpoints.savepointRequest.nonce, done.checkpoints.savepointRequest.tasks,
                    done.checkpoints.savepointRequest.savepointIds));
        }
        await().atMost(TIMEOUT).until(() -> savepointRequestInConfigMap("ondemand"), Optional.empty()::equals);
    }

    @Test
    void aRequestNotDoneWithinTheSavepointTimeoutFailsAndLeavesTheConfigMap() throws Exception {
        Path location = Files.createDirectories(folders.resolve("overdue"));
        StreamJob job = create("overdue", fileCheckpoints(location, "3s"));
        try (TaskCheckpoints store = fileStore(location, job)) {
            write(store, "0_0", false);
        }
        awaitStatus("overdue", s -> s.checkpoints != null && s.checkpoints.latest != null);

        requestSavepoint("overdue", "nonce-1");
        StreamJobStatus failed = awaitStatus("overdue", s -> s.checkpoints.savepointRequest != null
                && CheckpointStatuses.FAILED.equals(s.checkpoints.savepointRequest.state));
        String message = failed.checkpoints.savepointRequest.message;
        assertTrue(message.contains("spec.checkpoints.savepointTimeout") && message.contains("0_0")
                && message.contains(SavepointRequests.ANNOTATION), message);
        await().atMost(TIMEOUT).until(() -> savepointRequestInConfigMap("overdue"), Optional.empty()::equals);
    }

    @Test
    void deletingARunningJobWaitsForItsPodsToStopAndReportsTheSavepointOfEachTask() throws Exception {
        Path location = Files.createDirectories(folders.resolve("delete"));
        StreamJob job = create("deleted", fileCheckpoints(location, "30s"));
        try (TaskCheckpoints store = fileStore(location, job)) {
            write(store, "0_0", false);
            write(store, "0_1", false);
        }
        createPod("deleted");
        markPodsReady("deleted");
        assertEquals(List.of(SavepointFinalizer.NAME), jobs().withName("deleted").get().getMetadata().getFinalizers());

        jobs().withName("deleted").delete();
        await().atMost(TIMEOUT).until(() -> client().apps().statefulSets().inNamespace(NAMESPACE).withName("deleted")
                .get().getSpec().getReplicas(), replicas -> replicas == 0);
        // in place of the runtime pod, which writes a savepoint of each task as it shuts down
        List<CheckpointInfo> savepoints;
        try (TaskCheckpoints store = fileStore(location, job)) {
            savepoints = List.of(write(store, "0_0", true), write(store, "0_1", true));
        }
        await().pollDelay(Duration.ofSeconds(3)).atMost(TIMEOUT)
                .until(() -> jobs().withName("deleted").get() != null);

        deletePod("deleted");
        await().atMost(TIMEOUT).until(() -> jobs().withName("deleted").get() == null);
        List<String> normal = events("deleted", "Normal");
        assertTrue(normal.stream().anyMatch(e -> e.startsWith(SavepointFinalizer.SAVEPOINT_WRITTEN)
                && e.contains("all 2 tasks") && e.contains(savepoints.get(0).id())
                && e.contains(savepoints.get(1).id())), normal.toString());
    }

    @Test
    void aTaskWithoutASavepointOnceThePodsAreGoneIsNamedInAWarning() throws Exception {
        Path location = Files.createDirectories(folders.resolve("partial"));
        StreamJob job = create("partial", fileCheckpoints(location, "2m"));
        CheckpointInfo lastOfTask1;
        try (TaskCheckpoints store = fileStore(location, job)) {
            write(store, "0_0", false);
            lastOfTask1 = write(store, "0_1", false);
        }
        createPod("partial");
        markPodsReady("partial");

        jobs().withName("partial").delete();
        await().atMost(TIMEOUT).until(() -> client().apps().statefulSets().inNamespace(NAMESPACE).withName("partial")
                .get().getSpec().getReplicas(), replicas -> replicas == 0);
        // the pod closed task 0_1 uncleanly: a savepoint of 0_0 only
        try (TaskCheckpoints store = fileStore(location, job)) {
            write(store, "0_0", true);
        }
        await().pollDelay(Duration.ofSeconds(3)).atMost(TIMEOUT)
                .until(() -> jobs().withName("partial").get() != null);

        deletePod("partial");
        await().atMost(TIMEOUT).until(() -> jobs().withName("partial").get() == null);
        List<String> warnings = warningEvents("partial");
        assertTrue(warnings.stream().anyMatch(e -> e.startsWith(SavepointFinalizer.SAVEPOINT_INCOMPLETE)
                && e.contains("1/2") && e.contains("0_1 (newest: checkpoint " + lastOfTask1.id())),
                warnings.toString());
    }

    @Test
    void podsThatDoNotStopEndInAWarningAndTheJobIsDeleted() throws Exception {
        Path location = Files.createDirectories(folders.resolve("timeout"));
        create("timeout", fileCheckpoints(location, "2s"));
        createPod("timeout");
        markPodsReady("timeout");
        try {
            jobs().withName("timeout").delete();
            await().atMost(TIMEOUT).until(() -> jobs().withName("timeout").get() == null);
            List<String> warnings = warningEvents("timeout");
            assertTrue(warnings.stream().anyMatch(e -> e.startsWith(SavepointFinalizer.SAVEPOINT_TIMEOUT)
                    && e.contains("spec.checkpoints.savepointTimeout") && e.contains("still running")),
                    warnings.toString());
        } finally {
            deletePod("timeout");
        }
    }

    @Test
    void checkpointsOlderThanThreeIntervalsWhileThePodsAreReadyDegradeTheJobUntilANewOneIsListed() throws Exception {
        Path location = Files.createDirectories(folders.resolve("stale"));
        StreamJob job = create("stale", """
                spec:
                """ + SOURCE + """
                  checkpoints: {location: "%s", interval: 2s}
                """.formatted(location.toUri()));
        try (TaskCheckpoints store = fileStore(location, job)) {
            write(store, "0_0", false);
            markPodsReady("stale");
            // no checkpoint for 3 intervals (6 s) while the pods are ready and the processing rate is unknown
            StreamJobStatus stale = awaitStatus("stale", s -> degraded(s).map(c -> "True".equals(c.getStatus()))
                    .orElse(false));
            Condition failing = degraded(stale).orElseThrow();
            assertEquals(CheckpointStatuses.CHECKPOINTS_FAILING, failing.getReason());
            assertTrue(failing.getMessage().contains("The newest checkpoint at " + stale.checkpoints.location)
                    && failing.getMessage().contains(CheckpointStatuses.STALE_INTERVALS + " intervals"),
                    failing.getMessage());

            write(store, "0_0", false);
            awaitStatus("stale", s -> degraded(s).map(c -> "False".equals(c.getStatus())).orElse(false));
        }
    }

    @Test
    void aJobWithoutReadyPodsIsDeletedAtOnce() throws Exception {
        Path location = Files.createDirectories(folders.resolve("never-ready"));
        create("neverready", fileCheckpoints(location, "1m"));
        awaitStatus("neverready", s -> s.checkpoints != null);

        jobs().withName("neverready").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs().withName("neverready").get() == null);
        assertEquals(List.of(), warningEvents("neverready"));
    }

    private static String s3Checkpoints(String prefix) {
        return """
                spec:
                """ + SOURCE + """
                  checkpoints:
                    location: s3://%s/%s
                    interval: 1s
                    s3: {endpoint: "%s", credentialsSecret: {name: %s, accessKeyIdKey: key-id, secretAccessKeyKey: secret-key}}
                """.formatted(BUCKET, prefix, s3.endpoint(), SECRET);
    }

    private static String fileCheckpoints(Path location, String savepointTimeout) {
        return """
                spec:
                """ + SOURCE + """
                  checkpoints: {location: "%s", interval: 1s, savepointTimeout: %s}
                """.formatted(location.toUri(), savepointTimeout);
    }

    private static TaskCheckpoints s3Store(StreamJob job) {
        return TaskCheckpoints.open(URI.create(job.getSpec().checkpoints.location), ConsumerGroups.of(job),
                CheckpointSettings.defaults().withS3(s3.s3Options()));
    }

    private static TaskCheckpoints fileStore(Path location, StreamJob job) {
        return TaskCheckpoints.open(location.toUri(), ConsumerGroups.of(job),
                CheckpointSettings.defaults().withS3(S3Options.defaults()));
    }

    private static CheckpointInfo write(TaskCheckpoints store, String task, boolean savepoint)
            throws IOException, CheckpointException {
        Path files = Files.createTempDirectory(folders, task);
        Files.writeString(files.resolve("000001.sst"), "state of " + task + (savepoint ? " at a savepoint" : ""));
        return store.write(task, files, Map.of("changelog-0", 42L), Map.of("readings-0", 7L), savepoint);
    }

    /** A runtime pod as the StatefulSet controller would create it; with no node, deleting it takes no time. */
    private static void createPod(String job) {
        client().resource(new PodBuilder()
                .withNewMetadata().withName(job + "-0").withNamespace(NAMESPACE).withLabels(Labels.of(job))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("runtime").withImage("weir-runtime:it").endContainer()
                .endSpec()
                .build()).create();
    }

    private static void deletePod(String job) {
        client().pods().inNamespace(NAMESPACE).withName(job + "-0").withGracePeriod(0).delete();
    }

    private static void requestSavepoint(String job, String nonce) {
        jobs().withName(job).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"" + SavepointRequests.ANNOTATION + "\":\"" + nonce + "\"}}}");
    }

    private static Optional<String> savepointRequestInConfigMap(String job) {
        return Optional.ofNullable(client().configMaps().inNamespace(NAMESPACE).withName(job + "-job").get())
                .map(configMap -> configMap.getData().get(SavepointRequests.FILE));
    }

    /** What the StatefulSet controller would write once the pod is ready. */
    private static void markPodsReady(String name) {
        StatefulSet statefulSet = await().atMost(TIMEOUT).until(
                () -> client().apps().statefulSets().inNamespace(NAMESPACE).withName(name).get(), s -> s != null);
        statefulSet.setStatus(new StatefulSetStatusBuilder()
                .withObservedGeneration(statefulSet.getMetadata().getGeneration())
                .withReplicas(1).withReadyReplicas(1).withUpdatedReplicas(1).withAvailableReplicas(1)
                .withCurrentRevision(name + "-1").withUpdateRevision(name + "-1")
                .build());
        client().resource(statefulSet).updateStatus();
        awaitStatus(name, s -> Integer.valueOf(1).equals(s.readyReplicas));
    }

    private static StreamJob create(String name, String spec) {
        StreamJob job = client().getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                """.formatted(name, NAMESPACE) + spec, StreamJob.class);
        return jobs().resource(job).create();
    }

    private static StreamJobStatus awaitStatus(String name, Predicate<StreamJobStatus> is) {
        return await().atMost(TIMEOUT).until(() -> jobs().withName(name).get(),
                job -> job.getStatus() != null && is.test(job.getStatus())).getStatus();
    }

    private static Optional<Condition> degraded(StreamJobStatus status) {
        return Conditions.find(status.conditions, Conditions.DEGRADED);
    }

    private static void assertCondition(StreamJobStatus status, String type, String expected) {
        Condition condition = Conditions.find(status.conditions, type).orElseThrow();
        assertEquals(expected, condition.getStatus(), condition.toString());
    }

    private static String podConfigHash(StatefulSet statefulSet) {
        return statefulSet.getSpec().getTemplate().getMetadata().getAnnotations().get(Workload.CONFIG_HASH_ANNOTATION);
    }

    private static List<String> warningEvents(String name) {
        return events(name, "Warning");
    }

    private static List<String> events(String name, String type) {
        return client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(event -> name.equals(event.getInvolvedObject().getName()) && type.equals(event.getType()))
                .map(event -> event.getReason() + ": " + event.getMessage())
                .toList();
    }

    private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<StreamJob,
            io.fabric8.kubernetes.api.model.KubernetesResourceList<StreamJob>,
            io.fabric8.kubernetes.client.dsl.Resource<StreamJob>> jobs() {
        return client().resources(StreamJob.class).inNamespace(NAMESPACE);
    }
}

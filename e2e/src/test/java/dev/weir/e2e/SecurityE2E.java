package dev.weir.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.StaticCredentials;
import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.runtime.contract.WindowAssertions;
import dev.weir.runtime.testing.OtelCollector;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 16's security checks on the platform. A windowed exactly_once job with S3 checkpoints whose keys are in a
 * Secret, traced at ratio 1 where the platform has a collector, and, where the platform has a Kinesis server, a
 * stateless Kinesis job whose AWS keys are in another Secret, run in a namespace that enforces the "restricted" Pod
 * Security level: their pods are admitted and run, and the operator's pod (the chart's Deployment template) would be
 * admitted there too. While they run, after the suspend (a savepoint) and an edit, and after the delete, no key is
 * found, as written or base64-encoded, in any ConfigMap of the job's and the operator's namespaces, any StreamJob,
 * Event, StatefulSet or pod, any container log of those namespaces, or any span the collector received. Then, from the
 * API server's audit log where the platform keeps one: the operator used every permission its ClusterRole grants, and
 * none of its requests was refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityE2E extends PlatformScenario {
    static final String JOB_NAMESPACE = "weir-restricted";
    static final String JOB = "guarded-counts";
    static final String SOURCE = "guarded-events";
    static final String SINK = "guarded-counts";
    static final String DEAD_LETTER = "guarded-events-dlq";
    static final String S3_SECRET = "guarded-checkpoint-keys";
    static final String KINESIS_JOB = "guarded-kinesis";
    static final String KINESIS_SOURCE = "guarded-kinesis-events";
    static final String KINESIS_SINK = "guarded-kinesis-out";
    static final String KINESIS_DEAD_LETTER = "guarded-kinesis-dlq";
    static final String KINESIS_SECRET = "guarded-kinesis-keys";
    static final int KINESIS_EVENTS = 40;
    static final int PARTITIONS = 2;
    static final int EVENTS = 400;
    /** The chart's runtime ServiceAccount, which a job namespace outside the chart's needs (docs/helm.md). */
    static final String RUNTIME_SERVICE_ACCOUNT = "weir-runtime";
    static final Map<String, String> RESTRICTED = Map.of("pod-security.kubernetes.io/enforce", "restricted",
            "pod-security.kubernetes.io/enforce-version", "latest");

    private SecretValues secrets;

    private Optional<LocalKinesisServers> kinesis;

    @Test
    @Order(1)
    void podsRunUnderRestrictedPodSecurityAndNoSecretValueReachesConfigMapsStatusEventsLogsOrSpans() throws Exception {
        kinesis = platform.kinesis();
        client().resource(new NamespaceBuilder().withNewMetadata().withName(JOB_NAMESPACE).withLabels(RESTRICTED)
                .endMetadata().build()).create();
        client().resource(new ServiceAccountBuilder().withNewMetadata().withName(RUNTIME_SERVICE_ACCOUNT)
                .withNamespace(JOB_NAMESPACE).endMetadata().withAutomountServiceAccountToken(false).build()).create();
        assertRestrictedIsEnforced();
        assertOperatorPodAdmitted();

        secret(JOB_NAMESPACE, S3_SECRET, platform.s3Keys().get(0), platform.s3Keys().get(1));
        secrets = new SecretValues().add(S3_SECRET + " access key id", platform.s3Keys().get(0))
                .add(S3_SECRET + " secret key", platform.s3Keys().get(1));
        List<String> secretNames = new ArrayList<>(List.of(S3_SECRET));
        if (kinesis.isPresent()) {
            // kinesis-local checks no keys: values of this run only, which the pod and the operator's lag probe use
            String id = "weir-e2e-kinesis-id-" + UUID.randomUUID();
            String key = "weir-e2e-kinesis-secret-" + UUID.randomUUID();
            secret(JOB_NAMESPACE, KINESIS_SECRET, id, key);
            secrets.add(KINESIS_SECRET + " access key id", id).add(KINESIS_SECRET + " secret key", key);
            secretNames.add(KINESIS_SECRET);
        }
        Map<String, String> secretObjects = new TreeMap<>();
        secretNames.forEach(name -> secretObjects.put("secret " + name,
                Serialization.asYaml(client().secrets().inNamespace(JOB_NAMESPACE).withName(name).get())));
        assertEquals(2 * secretNames.size(), secrets.foundIn(secretObjects).size(),
                "the search finds each key, base64-encoded, in its Secret");

        if (kinesis.isPresent()) {
            // first: the Kinesis Client Library takes its first lease about 85 s after the pod starts, which the
            // Kafka job's steps below overlap
            startKinesisJob(kinesis.get());
        }
        kafka().create(SOURCE, PARTITIONS);
        kafka().create(SINK, 1);
        kafka().create(DEAD_LETTER, 1);
        CountedEvents events = new CountedEvents(4, 5, Duration.ofSeconds(10).toMillis(), Instant.now());
        Resource<StreamJob> job = client().resources(StreamJob.class).inNamespace(JOB_NAMESPACE).withName(JOB);
        client().resource(guardedJob()).create();
        kafka().produce(SOURCE, PARTITIONS, events.events(0, EVENTS));
        kafka().endOfInput(SOURCE, PARTITIONS);

        await("the job's pod admitted and Running under restricted, every window in the sink, a checkpoint listed")
                .atMost(POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    List<Pod> pods = pods(JOB_NAMESPACE, JOB);
                    assertEquals(1, pods.size(), () -> "pods; the StatefulSet's events: " + eventsOf(JOB));
                    assertEquals("Running", pods.get(0).getStatus().getPhase());
                    assertTrue(ScalingTimeline.isReady(pods.get(0)), "pod ready");
                    KafkaTopics.Contents sink = kafka().read(SINK, QUIET);
                    WindowAssertions.assertSameWindows(events.expectedWindows(), sink.records(), CountedEvents.KEY);
                    StreamJobStatus status = statusOf(job);
                    assertTrue(status.checkpoints != null && status.checkpoints.latest != null,
                            () -> "status: " + Serialization.asYaml(status));
                });
        assertEquals(List.of(), kafka().read(DEAD_LETTER, QUIET).records(), "no dead letters");
        assertKeysAreSecretReferences(JOB, S3_SECRET, StaticCredentials.ACCESS_KEY_ID_ENV,
                StaticCredentials.SECRET_ACCESS_KEY_ENV);
        platform.collector().ifPresent(collector -> collector.awaitSpans("spans of " + JOB, POD_TIMEOUT,
                spans -> spans.stream().anyMatch(span -> JOB.equals(span.resource().get("service.name")))));
        assertPlantedValueFoundThenNoLeaks("while running");

        Instant suspended = Instant.now();
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"suspend\": true}}");
        await("suspended: no pods, and a savepoint listed, which the operator reads with the Secret's keys")
                .atMost(POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    StreamJobStatus status = statusOf(job);
                    assertEquals("Suspended", status.phase);
                    assertEquals(List.of(), pods(JOB_NAMESPACE, JOB));
                    assertTrue(status.checkpoints != null && status.checkpoints.savepoints != null
                                    && status.checkpoints.savepoints.stream()
                                    .anyMatch(s -> !Instant.parse(s.time).isBefore(suspended)),
                            () -> "savepoints: " + Serialization.asYaml(status.checkpoints));
                });
        // an edit of the job file while suspended: the operator replaces the ConfigMap (its update verb), no pod rolls
        ConfigMap jobFile = client().configMaps().inNamespace(JOB_NAMESPACE).withName(JOB + "-job").get();
        job.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\": {\"checkpoints\": {\"interval\": \"6s\"}}}");
        await("the job file rewritten").atMost(POD_TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() -> !jobFile
                .getData().equals(client().configMaps().inNamespace(JOB_NAMESPACE).withName(JOB + "-job").get().getData()));
        assertNoLeaks("after the suspend and an edit");
        client().resource(job.get()).delete();

        if (kinesis.isPresent()) {
            awaitKinesisJob(kinesis.get());
            assertKeysAreSecretReferences(KINESIS_JOB, KINESIS_SECRET, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
            assertLogsRead(KINESIS_JOB + "-0");
            assertNoLeaks("while the Kinesis job runs");
            client().resources(StreamJob.class).inNamespace(JOB_NAMESPACE).withName(KINESIS_JOB).delete();
        }
        await("the jobs and their pods gone").atMost(GONE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    assertEquals(List.of(), client().resources(StreamJob.class).inNamespace(JOB_NAMESPACE).list()
                            .getItems());
                    assertEquals(List.of(), client().pods().inNamespace(JOB_NAMESPACE).list().getItems());
                });
        assertNoLeaks("after the delete");
        client().namespaces().withName(JOB_NAMESPACE).delete();
        await("the job namespace gone").atMost(GONE_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> client().namespaces().withName(JOB_NAMESPACE).get() == null);
        platform.assertRuntimeProcessesGone();
    }

    /**
     * Runs after the job's life above, on the API server's audit log of it (and of the run so far): each permission the
     * chart's ClusterRole grants the operator was used, and the API server refused none of its requests.
     */
    @Test
    @Order(2)
    void theOperatorUsedEveryPermissionItsClusterRoleGrantsAndNoneOfItsRequestsWasRefused() throws IOException {
        assumeTrue(platform.auditLog().isPresent(), "no audit log the test reads on this cluster");
        String account = client().apps().deployments().inNamespace(NAMESPACE).withName(E2EPlatform.OPERATOR_DEPLOYMENT)
                .get().getSpec().getTemplate().getSpec().getServiceAccountName();
        List<PolicyRule> rules = client().rbac().clusterRoleBindings().list().getItems().stream()
                .filter(b -> b.getSubjects().stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
                        && account.equals(s.getName()) && NAMESPACE.equals(s.getNamespace())))
                .flatMap(b -> client().rbac().clusterRoles().withName(b.getRoleRef().getName()).get().getRules().stream())
                .toList();
        Set<String> granted = AuditedRequests.granted(rules);
        assertFalse(granted.isEmpty(), "a ClusterRole bound to " + account);
        AuditedRequests requests = AuditedRequests.of(platform.auditLog().orElseThrow(),
                "system:serviceaccount:" + NAMESPACE + ":" + account, platform.apiServerRestarts());
        requests.refusedWhileStarting().forEach(refusal -> System.out.println(
                "refused while a restarted API server was starting (not counted): " + refusal));
        assertEquals(Set.of(), requests.refused(), "the operator's requests the API server refused");
        Set<String> unused = new TreeSet<>(granted);
        unused.removeAll(requests.used());
        assertEquals(Set.of(), unused, () -> "granted but never used; used: " + requests.used());
    }

    /** A pod without the restricted settings is refused: the check below would see a violation. */
    private void assertRestrictedIsEnforced() {
        Pod unconfined = new PodBuilder().withNewMetadata().withName("unconfined").withNamespace(JOB_NAMESPACE)
                .endMetadata().withNewSpec().withServiceAccountName(RUNTIME_SERVICE_ACCOUNT).addNewContainer()
                .withName("runtime").withImage("weir/runtime").endContainer().endSpec().build();
        KubernetesClientException refused = assertThrows(KubernetesClientException.class,
                () -> client().resource(unconfined).dryRun().create(),
                "the API server enforces Pod Security in " + JOB_NAMESPACE);
        assertEquals(403, refused.getCode(), refused.getMessage());
        assertTrue(refused.getMessage().contains("violates PodSecurity \"restricted:latest\""), refused.getMessage());
    }

    /** The chart's operator pod, as its Deployment makes it, would be admitted in a restricted namespace. */
    private void assertOperatorPodAdmitted() {
        PodTemplateSpec template = client().apps().deployments().inNamespace(NAMESPACE)
                .withName(E2EPlatform.OPERATOR_DEPLOYMENT).get().getSpec().getTemplate();
        Pod operator = new PodBuilder().withNewMetadata().withName("operator-as-the-chart-makes-it")
                .withNamespace(JOB_NAMESPACE).withLabels(template.getMetadata().getLabels()).endMetadata()
                // its own ServiceAccount is in the release namespace; Pod Security does not look at the account
                .withSpec(template.getSpec()).editSpec().withServiceAccountName(RUNTIME_SERVICE_ACCOUNT).endSpec()
                .build();
        client().resource(operator).dryRun().create();
    }

    /** The runtime container gets the keys as references to the Secret, not as values. */
    private void assertKeysAreSecretReferences(String job, String secret, String... variables) {
        StatefulSet statefulSet = client().apps().statefulSets().inNamespace(JOB_NAMESPACE).withName(job).get();
        Map<String, EnvVar> env = new TreeMap<>();
        statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .forEach(e -> env.put(e.getName(), e));
        for (String name : variables) {
            EnvVar variable = env.get(name);
            assertTrue(variable != null && variable.getValue() == null && variable.getValueFrom() != null
                    && secret.equals(variable.getValueFrom().getSecretKeyRef().getName()),
                    () -> name + " is a reference to " + secret + ": " + env);
        }
    }

    /**
     * A ConfigMap holding a key, planted in the job namespace, is reported where it is; without it, nothing is: the
     * places gathered include the namespace's ConfigMaps, and the search reads them.
     */
    private void assertPlantedValueFoundThenNoLeaks(String when) throws IOException {
        assertLogsRead(JOB + "-0", E2EPlatform.OPERATOR_DEPLOYMENT);
        ConfigMap planted = client().resource(new ConfigMapBuilder().withNewMetadata().withName("planted")
                .withNamespace(JOB_NAMESPACE).endMetadata()
                .addToData("note", "key: " + platform.s3Keys().get(1)).build()).create();
        assertEquals(List.of(S3_SECRET + " secret key (as is) in configmap " + JOB_NAMESPACE + "/planted"),
                secrets.foundIn(places()), "only the planted ConfigMap");
        client().resource(planted).delete();
        await("the planted ConfigMap gone").atMost(GONE_TIMEOUT)
                .until(() -> client().configMaps().inNamespace(JOB_NAMESPACE).withName("planted").get() == null);
        assertNoLeaks(when);
    }

    /** The logs of these pods (name prefixes) are among the places searched, and not empty. */
    private void assertLogsRead(String... pods) throws IOException {
        Map<String, String> places = places();
        for (String pod : pods) {
            assertTrue(places.entrySet().stream().anyMatch(p -> p.getKey().contains(pod) && p.getKey().contains("log")
                            && !p.getValue().isBlank()),
                    () -> "the log of " + pod + " is among the places: " + places.keySet());
        }
    }

    private void assertNoLeaks(String when) throws IOException {
        List<String> found = secrets.foundIn(places());
        assertEquals(List.of(), found, when + ", the Secret's keys were found");
    }

    /**
     * Every place a key must never be, by name: the whole objects (a status, an annotation, a pod's env value), the
     * container logs of the job's and the operator's namespaces, and every span the collector received.
     */
    private Map<String, String> places() throws IOException {
        Map<String, String> places = new TreeMap<>();
        for (String namespace : List.of(JOB_NAMESPACE, NAMESPACE)) {
            client().configMaps().inNamespace(namespace).list().getItems().forEach(cm -> places.put(
                    "configmap " + namespace + "/" + cm.getMetadata().getName(), Serialization.asYaml(cm)));
            client().apps().statefulSets().inNamespace(namespace).list().getItems().forEach(s -> places.put(
                    "statefulset " + namespace + "/" + s.getMetadata().getName(), Serialization.asYaml(s)));
            client().pods().inNamespace(namespace).list().getItems().forEach(p -> places.put(
                    "pod " + namespace + "/" + p.getMetadata().getName(), Serialization.asYaml(p)));
            places.putAll(platform.containerLogs(namespace));
        }
        client().resources(StreamJob.class).inAnyNamespace().list().getItems().forEach(j -> places.put(
                "streamjob " + j.getMetadata().getNamespace() + "/" + j.getMetadata().getName(),
                Serialization.asYaml(j)));
        client().v1().events().inAnyNamespace().list().getItems().forEach(e -> places.put(
                "event " + e.getMetadata().getNamespace() + "/" + e.getMetadata().getName(), Serialization.asYaml(e)));
        platform.collector().map(OtelCollector::spans).orElse(List.of()).forEach(span -> places.put(
                "span " + span.name() + " " + span.spanId() + " of " + span.resource().get("service.name"),
                span.toString()));
        return places;
    }

    /** A stateless Kinesis job whose AWS keys are in {@link #KINESIS_SECRET}, and its input. */
    private void startKinesisJob(LocalKinesisServers kinesis) throws Exception {
        kinesis.createStream(KINESIS_SOURCE, 1);
        kinesis.createStream(KINESIS_SINK, 1);
        kinesis.createStream(KINESIS_DEAD_LETTER, 1);
        client().resource(Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                  source:
                    kinesis: {stream: %s, region: us-east-1, endpoint: "%s", credentialsSecret: {name: %s}}
                  pipeline:
                    - filter: "%s >= 0"
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                """.formatted(KINESIS_JOB, JOB_NAMESPACE, KINESIS_SOURCE, kinesis.endpoints().kinesis().orElseThrow(),
                KINESIS_SECRET, CountedEvents.VALUE, KINESIS_SINK, KINESIS_DEAD_LETTER), StreamJob.class)).create();
        CountedEvents events = new CountedEvents(2, 5, Duration.ofSeconds(10).toMillis(), Instant.now());
        KinesisStreams.put(new KinesisSink(kinesis.clients().kinesis(), KINESIS_SOURCE, KinesisSinkSettings.defaults()),
                events.events(0, KINESIS_EVENTS));
    }

    private void awaitKinesisJob(LocalKinesisServers kinesis) {
        await("the Kinesis job's pod Running under restricted, every record in its sink stream")
                .atMost(KinesisJobE2E.KINESIS_POD_TIMEOUT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    List<Pod> pods = pods(JOB_NAMESPACE, KINESIS_JOB);
                    assertEquals(1, pods.size(), () -> "pods; the StatefulSet's events: " + eventsOf(KINESIS_JOB));
                    assertEquals("Running", pods.get(0).getStatus().getPhase());
                    assertEquals(KINESIS_EVENTS, KinesisStreams.read(kinesis, KINESIS_SINK).size());
                });
    }

    private List<String> eventsOf(String name) {
        return client().v1().events().inNamespace(JOB_NAMESPACE).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

    private StreamJob guardedJob() {
        String tracing = platform.collector().map(c -> "tracing: {endpoint: \"" + c.endpoint() + "\", sampleRatio: 1}")
                .orElse("");
        return Serialization.unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s, startingOffsets: earliest}}
                  eventTime: {field: %s, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: %s, tumbling: 10s, aggregate: {n: count(), total: sum(%s)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  processingGuarantee: exactly_once
                  checkpoints:
                    location: s3://%s/security-e2e
                    interval: 5s
                    s3: {endpoint: "%s", pathStyle: true, region: us-east-1, credentialsSecret: {name: %s}}
                  %s
                """.formatted(JOB, JOB_NAMESPACE, platform.podBootstrapServers(), SOURCE, CountedEvents.TIME,
                CountedEvents.KEY, CountedEvents.VALUE, SINK, DEAD_LETTER, E2EPlatform.CHECKPOINT_BUCKET,
                platform.podS3Endpoint(), S3_SECRET, tracing), StreamJob.class);
    }
}

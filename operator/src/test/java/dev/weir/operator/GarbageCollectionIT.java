package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deleting a StreamJob deletes its ConfigMap, StatefulSet and Service through their owner references: the operator,
 * in this JVM, against a real kube-apiserver with a kube-controller-manager running only the garbage collector. The
 * operator deletes nothing itself (no finalizer, no cleanup), so what disappears here is the garbage collector's doing.
 */
class GarbageCollectionIT {
    private static final String NAMESPACE = "gc";
    private static final Duration CREATED = Duration.ofSeconds(30);
    /** The garbage collector first discovers every resource type and lists them; then it acts within seconds. */
    private static final Duration COLLECTED = Duration.ofSeconds(60);

    private static final String SPEC = """
            spec:
              source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
              pipeline:
                - filter: "temperature > -50.0"
              sink: {kafka: {topic: filtered}}
              deadLetter: {kafka: {topic: readings-dlq}}
            """;

    @RegisterExtension
    static final OperatorPlatform platform = OperatorPlatform.withNamespaces(NAMESPACE).withGarbageCollector()
            .withOperator(client -> WeirOperator.start(client,
                    OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()), Metrics.NOOP));

    private static KubernetesClient client() {
        return platform.client();
    }

    @Test
    void kubectlDeleteSjRemovesTheConfigMapStatefulSetAndService() throws Exception {
        StreamJob job = create("deleted");
        List<HasMetadata> owned = awaitOwnedObjects("deleted");
        assertTrue(job.getMetadata().getFinalizers() == null || job.getMetadata().getFinalizers().isEmpty());

        // kubectl's default: --cascade=background, and it waits until the StreamJob itself is gone
        platform.apiServer().kubectl("delete", "sj", "deleted", "-n", NAMESPACE);

        await().atMost(COLLECTED).untilAsserted(() -> assertEquals(List.of(), existing(owned)));
    }

    @Test
    void aForegroundDeleteAlsoRemovesThem() throws Exception {
        create("foreground");
        List<HasMetadata> owned = awaitOwnedObjects("foreground");

        // kubectl delete --cascade=foreground: the collector deletes the dependents (their owner references block the
        // owner's deletion), then the job; the operator leaves a job marked for deletion alone, so none comes back.
        client().resources(StreamJob.class).inNamespace(NAMESPACE).withName("foreground")
                .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();

        await().atMost(COLLECTED).until(
                () -> client().resources(StreamJob.class).inNamespace(NAMESPACE).withName("foreground").get() == null);
        await().atMost(COLLECTED).untilAsserted(() -> assertEquals(List.of(), existing(owned)));
    }

    private static StreamJob create(String name) {
        StreamJob job = client().getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s, namespace: %s}
                """.formatted(name, NAMESPACE) + SPEC, StreamJob.class);
        return client().resources(StreamJob.class).inNamespace(NAMESPACE).resource(job).create();
    }

    /** Waits for the three objects the operator makes for a job, each owned by it, and returns them. */
    private static List<HasMetadata> awaitOwnedObjects(String name) {
        List<HasMetadata> owned = await().atMost(CREATED).until(() -> {
            List<HasMetadata> objects = new ArrayList<>();
            objects.add(client().configMaps().inNamespace(NAMESPACE).withName(name + "-job").get());
            objects.add(client().apps().statefulSets().inNamespace(NAMESPACE).withName(name).get());
            objects.add(client().services().inNamespace(NAMESPACE).withName(name).get());
            return objects;
        }, objects -> objects.stream().allMatch(object -> object != null));
        for (HasMetadata object : owned) {
            assertNotNull(object.getMetadata().getOwnerReferences(), object.getKind());
            assertEquals(name, object.getMetadata().getOwnerReferences().get(0).getName(), object.getKind());
        }
        return owned;
    }

    /** Those of {@code objects} still in the API server, as kind/name. */
    private static List<String> existing(List<HasMetadata> objects) {
        return objects.stream()
                .filter(object -> client().resource(object).get() != null)
                .map(object -> object.getKind() + "/" + object.getMetadata().getName())
                .toList();
    }
}

package dev.weir.e2e;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.dependents.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A scenario of the end-to-end suite: what a user does with a StreamJob on the {@link E2EPlatform} the whole run
 * shares, and what they see: records in the sink, the job's status and events, pods and objects coming and going.
 * Each scenario leaves the platform as it found it (its jobs deleted, their pods gone), so scenarios run in any
 * order; they share the platform's Kafka with topics of their own.
 */
@ExtendWith(SharedPlatform.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PlatformScenario {
    static final String NAMESPACE = E2EPlatform.NAMESPACE;
    static final Duration POD_TIMEOUT = E2EPlatform.POD_TIMEOUT;
    static final Duration GONE_TIMEOUT = Duration.ofMinutes(2);
    static final Duration QUIET = Duration.ofSeconds(2);

    /** Set by {@link SharedPlatform} when the scenario is made. */
    E2EPlatform platform;

    KubernetesClient client() {
        return platform.client();
    }

    KafkaTopics kafka() {
        return platform.kafka();
    }

    Resource<StreamJob> streamJob(String name) {
        return client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(name);
    }

    /** The job's status; empty when the job or its status is not there (yet, or any more). */
    static StreamJobStatus statusOf(Resource<StreamJob> job) {
        StreamJob current = job.get();
        return current == null || current.getStatus() == null ? new StreamJobStatus() : current.getStatus();
    }

    /** A Secret in the job namespace with a key pair under the keys {@code credentialsSecret} reads by default. */
    void secret(String name, String id, String key) {
        secret(NAMESPACE, name, id, key);
    }

    void secret(String namespace, String name, String id, String key) {
        client().resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToStringData(CheckpointSpec.CredentialsSecret.DEFAULT_ACCESS_KEY_ID_KEY, id)
                .addToStringData(CheckpointSpec.CredentialsSecret.DEFAULT_SECRET_ACCESS_KEY_KEY, key).build()).create();
    }

    List<Pod> pods(String job) {
        return pods(NAMESPACE, job);
    }

    List<Pod> pods(String namespace, String job) {
        return client().pods().inNamespace(namespace).withLabels(Labels.selector(job)).list().getItems();
    }

    List<String> podNames(String job) {
        return pods(job).stream().map(p -> p.getMetadata().getName()).toList();
    }

    long readyPods(String job) {
        return pods(job).stream().filter(ScalingTimeline::isReady).count();
    }
}

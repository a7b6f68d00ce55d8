package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.observe.ScalingMetrics;
import dev.weir.runtime.testing.KafkaBroker;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reconciler's side of autoscaling against a real kube-apiserver and a real broker, with no runtime pods (the
 * test API server runs no StatefulSet controller): records waiting in the source size the StatefulSet, capped by the
 * partitions, with the lag, rates and decision in status, a Scaling event and the lag metric; the test then commits
 * the group's offsets as a caught-up job would, and the job goes Idle at zero pods; new records wake it, which shows
 * that the operator keeps polling at zero pods.
 */
@ExtendWith(KafkaBroker.class)
class AutoscalingReconcilerIT {
    private static final String NAMESPACE = "scaling";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 2;
    private static final int WAITING = 5000;

    private TestKubeApiServer apiServer;
    private KubernetesClient operatorClient;
    private Operator operator;

    @AfterEach
    void stop() {
        if (operator != null) {
            operator.stop();
        }
        if (operatorClient != null) {
            operatorClient.close();
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    @Test
    void lagSizesTheStatefulSetReportsInStatusStopsWhenIdleAndWakes(KafkaBroker kafka) throws Exception {
        apiServer = TestKubeApiServer.startWithStreamJobCrd();
        KubernetesClient client = apiServer.client();
        apiServer.createNamespace(NAMESPACE);
        operatorClient = apiServer.newClient();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        operator = WeirOperator.start(operatorClient, OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()),
                new Metrics() { }, registry);
        String topic = "waiting-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, PARTITIONS);
        kafka.produce(topic, Collections.nCopies(WAITING, "{}"));

        StreamJob job = client.getKubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: bursty, namespace: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  sink: {kafka: {topic: %s-out}}
                  deadLetter: {kafka: {topic: %s-dlq}}
                  scaling: {minReplicas: 0, maxReplicas: 5, maxLagSeconds: 1, idleTimeout: 3s, pollInterval: 1s}
                """.formatted(NAMESPACE, kafka.bootstrapServers(), topic, topic, topic), StreamJob.class);
        client.resources(StreamJob.class).inNamespace(NAMESPACE).resource(job).create();

        StreamJob capped = awaitStatus(client, status -> status.lastScaling != null
                && "CappedByPartitions".equals(status.lastScaling.reason));
        assertEquals(PARTITIONS, statefulSetReplicas(client), "5000 records behind, 1 s to catch up: capped at 2");
        assertEquals(WAITING, capped.getStatus().lag);
        assertEquals(PARTITIONS, capped.getStatus().desiredReplicas);
        assertEquals(PARTITIONS, capped.getStatus().lastScaling.replicas);
        assertTrue(capped.getStatus().lastScaling.message.contains("the source has 2 partitions"),
                capped.getStatus().lastScaling.message);
        assertTrue(scalingEvents(client).stream().anyMatch(e -> e.getMessage().contains("from 1 to 2 pods")),
                () -> "a Scaling event: " + scalingEvents(client));
        assertEquals(WAITING, registry.get(ScalingMetrics.LAG).tag("job", "bursty").gauge().value());

        commitEverything(kafka, ConsumerGroups.of(capped), topic);
        StreamJob idle = awaitStatus(client, status -> "Idle".equals(status.phase));
        assertEquals(0, statefulSetReplicas(client));
        assertEquals(0L, idle.getStatus().lag);
        assertEquals("Idle", idle.getStatus().lastScaling.reason);
        Condition ready = idle.getStatus().conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                .orElseThrow();
        assertEquals(List.of("True", "ScaledToZero"), List.of(ready.getStatus(), ready.getReason()));

        kafka.produce(topic, List.of("{}"));
        StreamJob woken = awaitStatus(client, status -> status.lastScaling != null
                && "WakeUp".equals(status.lastScaling.reason));
        assertEquals(1, statefulSetReplicas(client));
        assertEquals(1L, woken.getStatus().lag);
    }

    private StreamJob awaitStatus(KubernetesClient client, Predicate<StreamJobStatus> is) {
        return await().atMost(TIMEOUT).until(
                () -> client.resources(StreamJob.class).inNamespace(NAMESPACE).withName("bursty").get(),
                job -> job.getStatus() != null && is.test(job.getStatus()));
    }

    private static int statefulSetReplicas(KubernetesClient client) {
        StatefulSet statefulSet = await().atMost(TIMEOUT).until(
                () -> client.apps().statefulSets().inNamespace(NAMESPACE).withName("bursty").get(),
                s -> s != null);
        return statefulSet.getSpec().getReplicas();
    }

    private static List<Event> scalingEvents(KubernetesClient client) {
        return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(event -> StreamJobReconciler.SCALING_EVENT.equals(event.getReason()))
                .toList();
    }

    /** What a job that processed every record leaves behind: its group's offsets at the end of each partition. */
    private static void commitEverything(KafkaBroker kafka, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> partitions = IntStream.range(0, PARTITIONS).boxed()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
            Map<TopicPartition, OffsetAndMetadata> ends = admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS)
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> new OffsetAndMetadata(e.getValue().offset())));
            admin.alterConsumerGroupOffsets(group, ends).all().get(30, TimeUnit.SECONDS);
        }
    }
}

package dev.weir.operator;

import dev.weir.operator.dependents.Labels;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the StatefulSet controller and the kubelet, which the test API server does not run: whenever a
 * StatefulSet the operator manages is not reported ready on its current template, writes the status the controller
 * would once every pod the spec asks for passed its readiness probe (ready = updated = spec.replicas, observed
 * generation = generation, one revision). No pod exists; this status is all the operator reads to call a job Ready.
 */
final class StatefulSetControllerStandIn implements AutoCloseable {
    private final KubernetesClient client;
    private final AtomicInteger statusWrites = new AtomicInteger();
    private final SharedIndexInformer<StatefulSet> informer;

    private StatefulSetControllerStandIn(KubernetesClient client) {
        this.client = client;
        this.informer = client.apps().statefulSets().inAnyNamespace()
                .withLabel(Labels.MANAGED_BY, Labels.OPERATOR)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(StatefulSet statefulSet) {
                        markReady(statefulSet);
                    }

                    @Override
                    public void onUpdate(StatefulSet before, StatefulSet after) {
                        markReady(after);
                    }

                    @Override
                    public void onDelete(StatefulSet statefulSet, boolean unknownFinalState) {
                        // its pods would go with it; nothing to report
                    }
                });
    }

    /** Watches the operator's StatefulSets in every namespace until closed. */
    static StatefulSetControllerStandIn start(KubernetesClient client) {
        return new StatefulSetControllerStandIn(client);
    }

    /** The status writes it made: each one is a StatefulSet the operator created or changed. */
    int statusWrites() {
        return statusWrites.get();
    }

    private void markReady(StatefulSet statefulSet) {
        StatefulSetStatus ready = readyStatus(statefulSet);
        if (reportsReady(statefulSet.getStatus(), ready)) {
            return;
        }
        try {
            client.resource(new StatefulSetBuilder(statefulSet).withStatus(ready).build()).updateStatus();
            statusWrites.incrementAndGet();
        } catch (KubernetesClientException e) {
            // a newer version (the informer brings it, and this runs again) or a deleted one: as the controller would
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }

    private static StatefulSetStatus readyStatus(StatefulSet statefulSet) {
        int replicas = Objects.requireNonNullElse(statefulSet.getSpec().getReplicas(), 1);
        String revision = statefulSet.getMetadata().getName() + "-" + statefulSet.getMetadata().getGeneration();
        return new StatefulSetStatusBuilder()
                .withObservedGeneration(statefulSet.getMetadata().getGeneration())
                .withReplicas(replicas).withReadyReplicas(replicas).withUpdatedReplicas(replicas)
                .withAvailableReplicas(replicas).withCurrentReplicas(replicas)
                .withCurrentRevision(revision).withUpdateRevision(revision)
                .build();
    }

    /** Compared field by field: the API server may add fields of its own to what was written. */
    private static boolean reportsReady(StatefulSetStatus actual, StatefulSetStatus ready) {
        return actual != null
                && Objects.equals(actual.getObservedGeneration(), ready.getObservedGeneration())
                && Objects.equals(actual.getReplicas(), ready.getReplicas())
                && Objects.equals(actual.getReadyReplicas(), ready.getReadyReplicas())
                && Objects.equals(actual.getUpdatedReplicas(), ready.getUpdatedReplicas())
                && Objects.equals(actual.getCurrentRevision(), ready.getCurrentRevision())
                && Objects.equals(actual.getUpdateRevision(), ready.getUpdateRevision());
    }

    @Override
    public void close() {
        informer.close();
    }
}

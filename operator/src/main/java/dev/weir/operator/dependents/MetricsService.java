package dev.weir.operator.dependents;

import dev.weir.api.StreamJob;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * Headless Service {@code <job>}: the runtime pods' management port (metrics, health); the StatefulSet's serviceName.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class MetricsService extends CRUDKubernetesDependentResource<Service, StreamJob> {

    @Override
    protected Service desired(StreamJob job, Context<StreamJob> context) {
        Workload workload = Workload.of(context);
        Service service = Owned.by(job, workload.jobName(),
                ReconcilerUtils.loadYaml(Service.class, getClass(), "/templates/service.yaml"));
        service.getSpec().setSelector(Labels.selector(workload.jobName()));
        return service;
    }
}

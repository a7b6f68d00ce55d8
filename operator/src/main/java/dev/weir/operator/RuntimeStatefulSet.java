package dev.weir.operator;

import dev.weir.api.StreamJob;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Map;

/** StatefulSet {@code <job>}: the runtime pods; stable names are what static group membership will key on. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class RuntimeStatefulSet extends CRUDKubernetesDependentResource<StatefulSet, StreamJob> {

    @Override
    protected StatefulSet desired(StreamJob job, Context<StreamJob> context) {
        Workload workload = Workload.of(context);
        StatefulSet statefulSet = Owned.by(job, workload.jobName(),
                ReconcilerUtils.loadYaml(StatefulSet.class, getClass(), "/templates/statefulset.yaml"));
        statefulSet.getSpec().setServiceName(workload.jobName());
        statefulSet.getSpec().setReplicas(workload.replicas());
        statefulSet.getSpec().getSelector().setMatchLabels(Labels.selector(workload.jobName()));

        PodTemplateSpec pod = statefulSet.getSpec().getTemplate();
        pod.getMetadata().setLabels(Labels.of(workload.jobName()));
        pod.getMetadata().setAnnotations(Map.of(Workload.CONFIG_HASH_ANNOTATION, workload.configHash()));
        pod.getSpec().getContainers().get(0).setImage(workload.image());
        pod.getSpec().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null)
                .forEach(volume -> volume.getConfigMap().setName(workload.configMapName()));
        return statefulSet;
    }
}

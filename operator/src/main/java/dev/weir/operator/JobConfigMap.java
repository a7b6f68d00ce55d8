package dev.weir.operator;

import dev.weir.api.StreamJob;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Map;

/** ConfigMap {@code <job>-job}: the job file the runtime pods read. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class JobConfigMap extends CRUDKubernetesDependentResource<ConfigMap, StreamJob> {

    @Override
    protected ConfigMap desired(StreamJob job, Context<StreamJob> context) {
        Workload workload = Workload.of(context);
        ConfigMap configMap = Owned.by(job, workload.configMapName(),
                ReconcilerUtils.loadYaml(ConfigMap.class, getClass(), "/templates/configmap.yaml"));
        configMap.setData(Map.of(Workload.JOB_FILE, workload.jobYaml()));
        return configMap;
    }
}

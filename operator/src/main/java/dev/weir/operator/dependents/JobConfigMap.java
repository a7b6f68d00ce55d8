package dev.weir.operator.dependents;

import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** ConfigMap {@code <job>-job}: the job file the runtime pods read, and the last on-demand savepoint request. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class JobConfigMap extends CRUDKubernetesDependentResource<ConfigMap, StreamJob> {

    @Override
    protected ConfigMap desired(StreamJob job, Context<StreamJob> context) {
        Workload workload = Workload.of(context);
        ConfigMap configMap = Owned.by(job, workload.configMapName(),
                ReconcilerUtils.loadYaml(ConfigMap.class, getClass(), "/templates/configmap.yaml"));
        Map<String, String> data = new TreeMap<>(Map.of(Workload.JOB_FILE, workload.jobYaml()));
        workload.savepointRequest().ifPresent(nonce -> data.put(SavepointRequests.FILE, nonce));
        configMap.setData(data);
        return configMap;
    }

    /**
     * JOSDK updates ConfigMaps without server-side apply, and its matcher then ignores keys the desired state no longer
     * has: compare the data exactly, so the savepoint request's key goes once the request is answered.
     */
    @Override
    public Matcher.Result<ConfigMap> match(ConfigMap actual, ConfigMap desired, StreamJob job,
                                           Context<StreamJob> context) {
        Matcher.Result<ConfigMap> generic = super.match(actual, desired, job, context);
        return Objects.equals(actual.getData(), desired.getData()) ? generic : Matcher.Result.computed(false, desired);
    }
}

package dev.weir.operator.dependents;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.ResourcesSpec;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.StaticCredentials;
import dev.weir.operator.config.RuntimeDefaults;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** StatefulSet {@code <job>}: the runtime pods; stable names are what static group membership will key on. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class RuntimeStatefulSet extends CRUDKubernetesDependentResource<StatefulSet, StreamJob> {

    /**
     * On the pod template: the StreamJob generation whose job file the pods run, which they see as
     * {@code WEIR_JOB_GENERATION} (their traces' {@code weir.job.generation}).
     */
    public static final String JOB_GENERATION_ANNOTATION = "weir.dev/job-generation";
    /** The AWS SDK's variables, which its default provider chain reads first. */
    static final String AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";
    static final String AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";
    /** Where {@link #reconcile} leaves the applied StatefulSet in the reconcile's context. */
    private static final String APPLIED = "applied-statefulset";

    @Override
    protected StatefulSet desired(StreamJob job, Context<StreamJob> context) {
        return desired(job, Workload.of(context));
    }

    /** Keeps the StatefulSet as this reconcile left it (created, updated or as it was) for the status. */
    @Override
    public ReconcileResult<StatefulSet> reconcile(StreamJob job, Context<StreamJob> context) {
        ReconcileResult<StatefulSet> result = super.reconcile(job, context);
        result.getSingleResource().ifPresent(applied -> context.managedWorkflowAndDependentResourceContext()
                .put(APPLIED, applied));
        return result;
    }

    /** The StatefulSet as the workflow of this reconcile left it; empty before the workflow ran. */
    public static Optional<StatefulSet> applied(Context<StreamJob> context) {
        return context.managedWorkflowAndDependentResourceContext().get(APPLIED, StatefulSet.class);
    }

    static StatefulSet desired(StreamJob job, Workload workload) {
        StatefulSet statefulSet = Owned.by(job, workload.jobName(),
                ReconcilerUtils.loadYaml(StatefulSet.class, RuntimeStatefulSet.class, "/templates/statefulset.yaml"));
        statefulSet.getSpec().setServiceName(workload.jobName());
        statefulSet.getSpec().setReplicas(workload.replicas());
        statefulSet.getSpec().getSelector().setMatchLabels(Labels.selector(workload.jobName()));

        PodTemplateSpec pod = statefulSet.getSpec().getTemplate();
        pod.getMetadata().setLabels(Labels.of(workload.jobName()));
        pod.getMetadata().setAnnotations(Map.of(Workload.CONFIG_HASH_ANNOTATION, workload.configHash(),
                JOB_GENERATION_ANNOTATION, workload.jobGeneration()));
        pod.getSpec().getContainers().get(0).setImage(workload.image());
        workload.defaults().imagePullPolicy().ifPresent(pod.getSpec().getContainers().get(0)::setImagePullPolicy);
        workload.defaults().serviceAccount().ifPresent(pod.getSpec()::setServiceAccountName);
        withResources(pod.getSpec().getContainers().get(0).getResources(), job.getSpec().resources);
        workload.credentialsSecret().ifPresent(secret -> pod.getSpec().getContainers().get(0).getEnv()
                .addAll(credentialsEnv(secret)));
        workload.kinesis().ifPresent(kinesis -> pod.getSpec().getContainers().get(0).getEnv()
                .addAll(kinesisEnv(kinesis)));
        pod.getSpec().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null)
                .forEach(volume -> volume.getConfigMap().setName(workload.configMapName()));
        return statefulSet;
    }

    /** The store's key pair as references to the job's Secret: the values never pass through the operator. */
    private static List<EnvVar> credentialsEnv(CheckpointSpec.CredentialsSecret secret) {
        return List.of(secretEnv(StaticCredentials.ACCESS_KEY_ID_ENV, secret.name, secret.accessKeyIdKeyOrDefault()),
                secretEnv(StaticCredentials.SECRET_ACCESS_KEY_ENV, secret.name, secret.secretAccessKeyKeyOrDefault()));
    }

    /**
     * A Kinesis job's AWS key pair as the SDK's own variables (references to the job's Secret, as the store's), and
     * where its lease tables are.
     */
    private static List<EnvVar> kinesisEnv(Workload.Kinesis kinesis) {
        List<EnvVar> env = new ArrayList<>();
        kinesis.credentialsSecret().ifPresent(secret -> {
            env.add(secretEnv(AWS_ACCESS_KEY_ID, secret.name, secret.accessKeyIdKeyOrDefault()));
            env.add(secretEnv(AWS_SECRET_ACCESS_KEY, secret.name, secret.secretAccessKeyKeyOrDefault()));
        });
        kinesis.dynamoDbEndpoint().ifPresent(endpoint -> env.add(new EnvVarBuilder()
                .withName(RuntimeDefaults.KINESIS_DYNAMODB_ENDPOINT).withValue(endpoint).build()));
        return env;
    }

    private static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }

    /** The spec's quantities over the template's defaults, one by one. */
    private static void withResources(ResourceRequirements resources, ResourcesSpec spec) {
        if (spec == null) {
            return;
        }
        override(resources.getRequests(), spec.requests);
        override(resources.getLimits(), spec.limits);
    }

    private static void override(Map<String, Quantity> quantities, ResourcesSpec.Compute compute) {
        if (compute == null) {
            return;
        }
        if (compute.cpu != null) {
            quantities.put("cpu", new Quantity(compute.cpu));
        }
        if (compute.memory != null) {
            quantities.put("memory", new Quantity(compute.memory));
        }
    }
}

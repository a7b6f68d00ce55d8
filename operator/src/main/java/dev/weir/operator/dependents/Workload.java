package dev.weir.operator.dependents;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.KinesisLayout;
import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.TracingSpec;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.config.RuntimeDefaults;
import dev.weir.operator.observe.Observation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a valid job runs as, planned once per reconcile from the StreamJob, the operator's configuration and the
 * reconcile's {@link Observation}; the dependent resources copy it into their templates and read nothing else.
 *
 * @param jobName    the StreamJob's name, also the StatefulSet's and the Service's
 * @param jobYaml    the job file the runtime reads ({@value #JOB_FILE} in the ConfigMap)
 * @param configHash a digest of {@code jobYaml}: on the pod template, so a changed job rolls the pods
 * @param image      the runtime image
 * @param replicas   runtime pods to run
 * @param jobGeneration the StreamJob generation whose job file the pods run: the running StatefulSet's while the
 *                   file is the same
 * @param defaults   the operator's runtime defaults: the pods' service account and pull policy
 * @param savepointRequest  the on-demand savepoint nonce the pods see: the annotation's, which the reconciler keeps
 *                          only while the request is pending ({@link #withSavepointRequest})
 * @param credentialsSecret the Secret whose keys the pods get for the checkpoint store
 * @param kinesis    for a Kinesis source, what its pods need beyond the job file
 */
public record Workload(String jobName, String jobYaml, String configHash, String image, int replicas,
                       String jobGeneration, RuntimeDefaults defaults, Optional<String> savepointRequest,
                       Optional<CheckpointSpec.CredentialsSecret> credentialsSecret, Optional<Kinesis> kinesis) {

    /**
     * A Kinesis job's pods: the Secret with their AWS key pair (absent: their default provider chain, e.g. the
     * ServiceAccount's web identity), and where their lease tables are (absent: DynamoDB of the stream's region).
     */
    public record Kinesis(Optional<CheckpointSpec.CredentialsSecret> credentialsSecret,
                          Optional<String> dynamoDbEndpoint) {}

    /** The key of the job file in the ConfigMap, and its name where pods mount it. */
    public static final String JOB_FILE = "job.yaml";
    /** Where pods mount the ConfigMap; the runtime is started with {@code serve /etc/weir/job.yaml}. */
    public static final String CONFIG_DIR = "/etc/weir";
    /** Overrides the operator's runtime image for one job. */
    public static final String RUNTIME_IMAGE_ANNOTATION = "weir.dev/runtime-image";
    /** On the pod template: the digest of the job file the pods run. */
    public static final String CONFIG_HASH_ANNOTATION = "weir.dev/config-hash";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** The workload with spec.replicas (or none while suspended) and no StatefulSet yet: as for a new job. */
    public static Workload plan(StreamJob job, OperatorConfig config) {
        return plan(job, config, replicas(job.getSpec()), Optional.empty());
    }

    /** The workload of a valid job as the reconcile observed it: pods as {@link Replicas} works them out. */
    public static Workload plan(StreamJob job, OperatorConfig config, Observation observed) {
        return plan(job, config, Replicas.planned(job, observed.currentReplicas(), observed.poll()),
                observed.workload().statefulSet());
    }

    /** The workload with {@code replicas} pods, for a job whose StatefulSet is {@code running}. */
    private static Workload plan(StreamJob job, OperatorConfig config, int replicas,
                                 Optional<StatefulSet> running) {
        String yaml = jobFile(job, config.runtimeDefaults());
        String hash = sha256(yaml);
        String image = job.getMetadata().getAnnotations() == null ? null
                : job.getMetadata().getAnnotations().get(RUNTIME_IMAGE_ANNOTATION);
        return new Workload(job.getMetadata().getName(), yaml, hash,
                image == null || image.isBlank() ? config.runtimeImage() : image.trim(), replicas,
                jobGeneration(job, hash, running), config.runtimeDefaults(), SavepointRequests.nonce(job),
                credentialsSecret(job.getSpec()), kinesis(job.getSpec(), config.runtimeDefaults()));
    }

    /**
     * The generation of the job file the pods run: the running StatefulSet's as long as the file is the same, so that
     * a change the pods do not see (replicas, suspend, resources) does not roll them for this annotation either.
     */
    private static String jobGeneration(StreamJob job, String configHash, Optional<StatefulSet> running) {
        return running.map(statefulSet -> statefulSet.getSpec().getTemplate().getMetadata().getAnnotations())
                .filter(annotations -> configHash.equals(annotations.get(CONFIG_HASH_ANNOTATION)))
                .map(annotations -> annotations.get(RuntimeStatefulSet.JOB_GENERATION_ANNOTATION))
                .orElse(String.valueOf(job.getMetadata().getGeneration()));
    }

    /** Suspended: none. Otherwise {@code spec.replicas} (default 1), which the scale subresource sets. */
    static int replicas(StreamJobSpec spec) {
        return Boolean.TRUE.equals(spec.suspend) ? 0 : spec.replicasOrDefault();
    }

    /**
     * The job as the runtime reads it: apiVersion, kind, name, namespace and spec; no labels, status or secrets.
     * Without what only sizes or stops the pods (replicas, suspend, resources), so scaling does not roll them; but a
     * Kinesis job keeps {@code replicas}, which with {@code scaling.maxReplicas} decides its layout and its shuffle
     * stream's shards ({@link KinesisLayout}): the runtime must run the layout the operator validated. The operator's
     * default checkpoint location and tracing endpoint fill in a spec that leaves them out.
     */
    static String jobFile(StreamJob job, RuntimeDefaults defaults) {
        StreamJob file = new StreamJob();
        file.setMetadata(new ObjectMetaBuilder()
                .withName(job.getMetadata().getName())
                .withNamespace(job.getMetadata().getNamespace())
                .build());
        StreamJobSpec spec = SERIALIZATION.clone(job.getSpec());
        if (KinesisLayout.of(spec).isEmpty()) {
            spec.replicas = null;
        }
        spec.suspend = null;
        spec.resources = null;
        withDefaults(spec, defaults);
        file.setSpec(spec);
        file.setStatus(null);
        String yaml = SERIALIZATION.asYaml(file);
        return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
    }

    private static void withDefaults(StreamJobSpec spec, RuntimeDefaults defaults) {
        defaults.checkpointLocation().ifPresent(location -> {
            if (spec.checkpoints == null) {
                spec.checkpoints = new CheckpointSpec();
            }
            if (spec.checkpoints.location == null) {
                spec.checkpoints.location = location;
            }
        });
        // the endpoint is required in spec.tracing, so only a job without tracing takes the default
        defaults.tracingEndpoint().filter(endpoint -> spec.tracing == null).ifPresent(endpoint -> {
            spec.tracing = new TracingSpec();
            spec.tracing.endpoint = endpoint;
        });
    }

    private static Optional<Kinesis> kinesis(StreamJobSpec spec, RuntimeDefaults defaults) {
        return Optional.ofNullable(spec.source).map(source -> source.kinesis).map(source -> new Kinesis(
                Optional.ofNullable(source.credentialsSecret), defaults.kinesisDynamoDbEndpoint()));
    }

    private static Optional<CheckpointSpec.CredentialsSecret> credentialsSecret(StreamJobSpec spec) {
        return Optional.ofNullable(spec.checkpoints).map(c -> c.s3).map(s3 -> s3.credentialsSecret);
    }

    /** This workload with {@code nonce} as the on-demand savepoint request the pods see. */
    public Workload withSavepointRequest(Optional<String> nonce) {
        return new Workload(jobName, jobYaml, configHash, image, replicas, jobGeneration, defaults, nonce,
                credentialsSecret, kinesis);
    }

    public String configMapName() {
        return jobName + "-job";
    }

    /** The dependents' way to this reconcile's workload, which the reconciler put in the context. */
    static Workload of(Context<StreamJob> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(Workload.class, Workload.class);
    }

    public void putInto(Context<StreamJob> context) {
        context.managedWorkflowAndDependentResourceContext().put(Workload.class, this);
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

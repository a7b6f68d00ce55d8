package dev.weir.operator.dependents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.config.RuntimeDefaults;
import dev.weir.operator.observe.Observation;
import dev.weir.operator.observe.WorkloadObservation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    private static final OperatorConfig CONFIG = OperatorConfig.withoutLeaderElection("weir-runtime:test", Set.of());

    private static StreamJob job(String specYaml) {
        return new KubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata:
                  name: readings
                  namespace: team-a
                  uid: 0b8f3c7e-1111-2222-3333-444455556666
                  generation: 4
                  labels: {team: a}
                  annotations: {note: "not for the runtime"}
                spec:
                """ + specYaml.indent(2) + """
                status: {phase: Running}
                """, StreamJob.class);
    }

    private static final String SPEC = """
            source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
            pipeline:
              - filter: "temperature > -50.0"
              - window: {keyBy: sensor_id, tumbling: 10m, aggregate: {readings: count()}}
            sink: {kafka: {topic: aggregates}}
            deadLetter: {kafka: {topic: readings-dlq}}
            scaling: {minReplicas: 2, maxReplicas: 4}
            """;

    @Test
    void theJobFileIsWhatTheRuntimeReadsWithNameNamespaceAndSpecOnly() throws InvalidJobException {
        StreamJob job = job(SPEC);

        String jobYaml = Workload.plan(job, CONFIG).jobYaml();
        StreamJob read = JobFiles.readString(jobYaml, "job.yaml");

        assertEquals("readings", read.getMetadata().getName());
        assertEquals("team-a", read.getMetadata().getNamespace());
        assertNull(read.getStatus());
        for (String left : new String[] {"labels", "annotations", "uid", "generation", "status"}) {
            assertFalse(jobYaml.contains(left + ":"), () -> left + " in the job file:\n" + jobYaml);
        }
        assertEquals("temperature > -50.0", read.getSpec().pipeline.get(0).filter);
        assertEquals(4, read.getSpec().scaling.maxReplicas);
    }

    @Test
    void restoreFromAndTheCredentialsSecretReachThePodsButASavepointRequestDoesNotRollThem()
            throws InvalidJobException {
        String checkpointed = SPEC + """
                checkpoints: {location: "s3://bucket/jobs", s3: {credentialsSecret: {name: keys}}}
                restoreFrom: s3://bucket/jobs/weir-team-a-old
                """;
        Workload workload = Workload.plan(job(checkpointed), CONFIG);
        StreamJob read = JobFiles.readString(workload.jobYaml(), "job.yaml");
        assertEquals("s3://bucket/jobs/weir-team-a-old", read.getSpec().restoreFrom);
        assertEquals("keys", workload.credentialsSecret().orElseThrow().name);

        StreamJob requested = job(checkpointed);
        requested.getMetadata().getAnnotations().put(dev.weir.api.SavepointRequests.ANNOTATION, "n1");
        Workload withRequest = Workload.plan(requested, CONFIG);
        assertEquals(java.util.Optional.of("n1"), withRequest.savepointRequest());
        assertEquals(workload.configHash(), withRequest.configHash());
    }

    @Test
    void aKinesisJobsPodsGetItsKeyPairAsReferencesAndTheLeaseTablesEndpointAndAKafkaJobsNeither() {
        String kinesis = """
                source: {kinesis: {stream: readings, region: eu-west-1, credentialsSecret: {name: aws-keys,
                  accessKeyIdKey: id}}}
                pipeline:
                  - window: {keyBy: sensor_id, tumbling: 10m, aggregate: {readings: count()}}
                sink: {kinesis: {stream: aggregates}}
                deadLetter: {kinesis: {stream: readings-dlq}}
                """;
        RuntimeDefaults moto = new RuntimeDefaults(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of("http://moto.kinesis:5000"));
        OperatorConfig config = new OperatorConfig("weir-runtime:test", Set.of(), Optional.empty(), Optional.empty(),
                true, moto);
        StreamJob job = job(kinesis);
        Workload workload = Workload.plan(job, config);
        var env = RuntimeStatefulSet.desired(job, workload).getSpec().getTemplate().getSpec().getContainers().get(0)
                .getEnv().stream().collect(java.util.stream.Collectors.toMap(e -> e.getName(), e -> e));

        assertEquals("aws-keys", env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName());
        assertEquals("id", env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getKey());
        assertEquals("secretAccessKey", env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey());
        assertNull(env.get("AWS_SECRET_ACCESS_KEY").getValue(), "a reference, never the value");
        assertEquals("http://moto.kinesis:5000", env.get("WEIR_KINESIS_DYNAMODB_ENDPOINT").getValue());
        assertTrue(workload.jobYaml().contains("credentialsSecret"), "the Secret's name, not its keys, is in the file");

        var kafkaEnv = RuntimeStatefulSet.desired(job(SPEC), Workload.plan(job(SPEC), config)).getSpec().getTemplate()
                .getSpec().getContainers().get(0).getEnv().stream().map(e -> e.getName()).toList();
        assertFalse(kafkaEnv.contains("AWS_ACCESS_KEY_ID"), kafkaEnv.toString());
        assertFalse(kafkaEnv.contains("WEIR_KINESIS_DYNAMODB_ENDPOINT"), kafkaEnv.toString());
    }

    @Test
    void theConfigHashFollowsTheSpecAndOnlyTheSpec() {
        String hash = Workload.plan(job(SPEC), CONFIG).configHash();

        assertEquals(hash, Workload.plan(job(SPEC), CONFIG).configHash());
        assertNotEquals(hash, Workload.plan(job(SPEC.replace("-50.0", "-40.0")), CONFIG).configHash());
        assertEquals(hash, Workload.plan(job(SPEC + "replicas: 3\nsuspend: true\nresources: {limits: {cpu: '4'}}\n"),
                CONFIG).configHash(), "sizing or stopping the pods does not roll them");
    }

    @Test
    void aKinesisJobFileKeepsReplicasSoTheRuntimeRunsTheLayoutTheOperatorValidated() {
        String kinesis = SPEC.replace("kafka: {bootstrapServers: \"kafka:9092\", topic: readings}",
                        "kinesis: {stream: readings, region: eu-west-1}")
                .replace("sink: {kafka: {topic: aggregates}}", "sink: {kinesis: {stream: aggregates}}")
                .replace("deadLetter: {kafka: {topic: readings-dlq}}", "deadLetter: {kinesis: {stream: readings-dlq}}")
                .replace("scaling: {minReplicas: 2, maxReplicas: 4}\n", "");
        for (String replicas : List.of("replicas: 2\n", "replicas: 1\n", "")) {
            StreamJob job = job(kinesis + replicas);
            StreamJob file = new KubernetesSerialization().unmarshal(Workload.plan(job, CONFIG).jobYaml(),
                    StreamJob.class);
            assertEquals(KinesisLayout.of(job.getSpec()), KinesisLayout.of(file.getSpec()), replicas);
        }
        StreamJob twoPods = job(kinesis + "replicas: 2\n");
        assertEquals(KinesisLayout.SEVERAL_PODS, KinesisLayout.of(twoPods.getSpec()).orElseThrow());
        assertNotEquals(Workload.plan(job(kinesis), CONFIG).configHash(), Workload.plan(twoPods, CONFIG).configHash(),
                "moving a Kinesis job between one pod and several changes the file, and rolls the pods");
    }

    /** What a reconcile observes of a job whose StatefulSet is {@code statefulSet}: no lag poll, no listing. */
    private static Observation running(StatefulSet statefulSet) {
        return new Observation(new WorkloadObservation(Optional.of(statefulSet), List.of()),
                statefulSet.getSpec().getReplicas(), Optional.empty(), Optional.empty(), Instant.now());
    }

    @Test
    void thePodsSeeTheGenerationOfTheJobFileTheyRunAndScalingDoesNotChangeIt() {
        StreamJob job = job(SPEC);
        StatefulSet first = RuntimeStatefulSet.desired(job, Workload.plan(job, CONFIG));
        assertEquals("4", first.getSpec().getTemplate().getMetadata().getAnnotations()
                .get(RuntimeStatefulSet.JOB_GENERATION_ANNOTATION));

        StreamJob scaled = job(SPEC + "replicas: 3\n");
        scaled.getMetadata().setGeneration(5L);
        StatefulSet afterScaling = RuntimeStatefulSet.desired(scaled, Workload.plan(scaled, CONFIG, running(first)));
        assertEquals(first.getSpec().getTemplate(), afterScaling.getSpec().getTemplate(), "the pods do not roll");

        StreamJob edited = job(SPEC.replace("-50.0", "-40.0"));
        edited.getMetadata().setGeneration(6L);
        StatefulSet afterEdit = RuntimeStatefulSet.desired(edited, Workload.plan(edited, CONFIG, running(first)));
        assertEquals("6", afterEdit.getSpec().getTemplate().getMetadata().getAnnotations()
                .get(RuntimeStatefulSet.JOB_GENERATION_ANNOTATION));
        assertTrue(first.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .anyMatch(e -> e.getName().equals("WEIR_JOB_GENERATION") && e.getValueFrom().getFieldRef()
                        .getFieldPath().equals("metadata.annotations['" + RuntimeStatefulSet.JOB_GENERATION_ANNOTATION
                                + "']")));
    }

    @Test
    void replicasAreSpecReplicasDefaultOneAndNoneWhenSuspended() {
        assertEquals(1, Workload.plan(job(SPEC), CONFIG).replicas(), "minReplicas bounds the autoscaler only");
        assertEquals(3, Workload.plan(job(SPEC + "replicas: 3\n"), CONFIG).replicas());
        assertEquals(0, Workload.plan(job(SPEC + "replicas: 0\n"), CONFIG).replicas());
        assertEquals(0, Workload.plan(job(SPEC + "replicas: 3\nsuspend: true\n"), CONFIG).replicas());
    }

    @Test
    void theRuntimeImageIsTheOperatorsUnlessTheJobAnnotatesItsOwn() {
        StreamJob job = job(SPEC);
        assertEquals("weir-runtime:test", Workload.plan(job, CONFIG).image());

        job.getMetadata().setAnnotations(Map.of(Workload.RUNTIME_IMAGE_ANNOTATION, "weir-runtime:canary"));
        assertEquals("weir-runtime:canary", Workload.plan(job, CONFIG).image());
    }

    @Test
    void runtimePodsRunAsTheServiceAccountWithThePullPolicyOfTheRuntimeDefaults() {
        StreamJob job = job(SPEC);
        OperatorConfig withDefaults = new OperatorConfig("weir-runtime:test", Set.of(), Optional.empty(),
                Optional.empty(), true, new RuntimeDefaults(Optional.of("weir-runtime"), Optional.of("Always"),
                        Optional.empty(), Optional.empty(), Optional.empty()));

        StatefulSet statefulSet = RuntimeStatefulSet.desired(job, Workload.plan(job, withDefaults));
        Container runtime = statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("weir-runtime", statefulSet.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals("Always", runtime.getImagePullPolicy());
        assertEquals("weir-runtime:test", runtime.getImage());

        StatefulSet plain = RuntimeStatefulSet.desired(job, Workload.plan(job, CONFIG));
        assertNull(plain.getSpec().getTemplate().getSpec().getServiceAccountName(), "the namespace's default");
        assertNull(plain.getSpec().getTemplate().getSpec().getContainers().get(0).getImagePullPolicy());
    }
}

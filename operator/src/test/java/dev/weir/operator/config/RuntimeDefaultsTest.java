package dev.weir.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.operator.dependents.Workload;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runtime defaults the Helm chart passes: read from the environment, applied to job files (the pods':
 * {@code WorkloadTest}).
 */
class RuntimeDefaultsTest {
    private static final String IMAGE = "weir-runtime:test";
    private static final String DEFAULT_LOCATION = "s3://platform-bucket/weir";
    private static final String DEFAULT_ENDPOINT = "http://otel-collector.monitoring:4317";
    private static final RuntimeDefaults DEFAULTS = new RuntimeDefaults(Optional.of("weir-runtime"),
            Optional.of("Always"), Optional.of(DEFAULT_LOCATION), Optional.of(DEFAULT_ENDPOINT),
            Optional.of("http://moto.kinesis:5000"));
    private static final OperatorConfig WITH_DEFAULTS =
            new OperatorConfig(IMAGE, Set.of(), Optional.empty(), Optional.empty(), true, DEFAULTS);
    private static final OperatorConfig WITHOUT_DEFAULTS = OperatorConfig.withoutLeaderElection(IMAGE, Set.of());

    private static final String SPEC = """
            source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
            pipeline:
              - filter: "temperature > -50.0"
            sink: {kafka: {topic: filtered}}
            deadLetter: {kafka: {topic: readings-dlq}}
            """;

    private static StreamJob job(String specYaml) {
        return new KubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: readings, namespace: team-a, uid: 0b8f3c7e-1111-2222-3333-444455556666}
                spec:
                """ + specYaml.indent(2), StreamJob.class);
    }

    private static StreamJob jobFileOf(String specYaml, OperatorConfig config) throws InvalidJobException {
        return JobFiles.readString(Workload.plan(job(specYaml), config).jobYaml(), "job.yaml");
    }

    @Test
    void readsEveryVariable() {
        RuntimeDefaults read = OperatorConfig.fromEnvironment(Map.of(
                OperatorConfig.RUNTIME_IMAGE, IMAGE,
                RuntimeDefaults.SERVICE_ACCOUNT, "weir-runtime",
                RuntimeDefaults.IMAGE_PULL_POLICY, "Always",
                RuntimeDefaults.CHECKPOINT_LOCATION, DEFAULT_LOCATION,
                RuntimeDefaults.TRACING_ENDPOINT, DEFAULT_ENDPOINT,
                RuntimeDefaults.KINESIS_DYNAMODB_ENDPOINT, "http://moto.kinesis:5000")).runtimeDefaults();

        assertEquals(DEFAULTS, read);
        assertEquals(RuntimeDefaults.NONE,
                OperatorConfig.fromEnvironment(Map.of(OperatorConfig.RUNTIME_IMAGE, IMAGE)).runtimeDefaults());
    }

    @Test
    void refusesValuesTheJobsCouldNotUseNamingTheVariable() {
        Map<String, String> bad = Map.of(
                RuntimeDefaults.IMAGE_PULL_POLICY, "Sometimes",
                RuntimeDefaults.CHECKPOINT_LOCATION, "bucket/weir",
                RuntimeDefaults.TRACING_ENDPOINT, "otel-collector:4317",
                RuntimeDefaults.KINESIS_DYNAMODB_ENDPOINT, "moto:5000");
        bad.forEach((variable, value) -> {
            var refused = assertThrows(IllegalArgumentException.class, () -> OperatorConfig.fromEnvironment(
                    Map.of(OperatorConfig.RUNTIME_IMAGE, IMAGE, variable, value)));
            assertTrue(refused.getMessage().startsWith(variable + "=" + value), refused.getMessage());
        });
    }

    @Test
    void aJobWithoutCheckpointLocationOrTracingGetsTheDefaults() throws InvalidJobException {
        StreamJob file = jobFileOf(SPEC + "checkpoints: {interval: 1m}\n", WITH_DEFAULTS);

        assertEquals(DEFAULT_LOCATION, file.getSpec().checkpoints.location);
        assertEquals("1m", file.getSpec().checkpoints.interval);
        assertEquals(DEFAULT_ENDPOINT, file.getSpec().tracing.endpoint);
        assertEquals(DEFAULT_LOCATION, jobFileOf(SPEC, WITH_DEFAULTS).getSpec().checkpoints.location);
    }

    @Test
    void aJobsOwnLocationAndTracingWin() throws InvalidJobException {
        StreamJob file = jobFileOf(SPEC + """
                checkpoints: {location: "file:///var/lib/weir/checkpoints"}
                tracing: {endpoint: "http://team-collector:4317", sampleRatio: 0.5}
                """, WITH_DEFAULTS);

        assertEquals("file:///var/lib/weir/checkpoints", file.getSpec().checkpoints.location);
        assertEquals("http://team-collector:4317", file.getSpec().tracing.endpoint);
        assertEquals(0.5, file.getSpec().tracing.sampleRatio);
    }

    @Test
    void withoutDefaultsTheJobFileLeavesThemOut() throws InvalidJobException {
        StreamJob file = jobFileOf(SPEC, WITHOUT_DEFAULTS);

        assertNull(file.getSpec().checkpoints);
        assertNull(file.getSpec().tracing);
    }
}

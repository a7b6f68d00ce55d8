package dev.weir.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.validation.ValidationError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFilesTest {
    private static final String VALID = """
            apiVersion: weir.dev/v1alpha1
            kind: StreamJob
            metadata: {name: sensor-aggregates}
            spec:
              source:
                kafka: {bootstrapServers: "kafka:9092", topic: sensor-readings, startingOffsets: earliest}
              eventTime: {field: event_time}
              pipeline:
                - filter: "temperature > -50.0"
                - map: {sensor_id: "sensor_id", temp_c: "(temperature - 32.0) * 5.0 / 9.0"}
                - window:
                    keyBy: sensor_id
                    tumbling: 10m
                    allowedLateness: 30s
                    aggregate: {avg_c: avg(temp_c), max_c: max(temp_c), readings: count()}
              sink:       {kafka: {topic: sensor-aggregates}}
              deadLetter: {kafka: {topic: sensor-readings-dlq}}
              processingGuarantee: exactly_once
              checkpoints: {location: "s3://bucket/prefix", interval: 30s}
              scaling: {minReplicas: 0, maxReplicas: 12, maxLagSeconds: 30}
              tracing: {endpoint: "http://otel-collector:4317", sampleRatio: 0.1}
              suspend: false
            """;

    private static String message(String yaml) {
        return assertThrows(InvalidJobException.class, () -> JobFiles.readString(yaml, "job.yaml")).getMessage();
    }

    private static String messageWith(String part, String replacement) {
        assertTrue(VALID.contains(part), part);
        return message(VALID.replace(part, replacement));
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, VALID);
        StreamJob job = JobFiles.read(file);
        assertEquals("sensor-aggregates", job.getMetadata().getName());
        assertEquals("weir.dev/v1alpha1", job.getApiVersion());
        assertEquals(ProcessingGuarantee.exactly_once, job.getSpec().processingGuarantee);
        assertEquals(SourceSpec.StartingOffsets.earliest, job.getSpec().source.kafka.startingOffsets);
        assertEquals(3, job.getSpec().pipeline.size());
        assertEquals("avg(temp_c)", job.getSpec().pipeline.get(2).window.aggregate.get("avg_c"));
        assertEquals(List.of("avg_c", "max_c", "readings"),
                List.copyOf(job.getSpec().pipeline.get(2).window.aggregate.keySet()));
        assertEquals(0, job.getSpec().scaling.minReplicas);
    }

    @Test
    void aMissingFileNamesIt(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        InvalidJobException e = assertThrows(InvalidJobException.class, () -> JobFiles.read(file));
        assertTrue(e.getMessage().startsWith(file + ": cannot read the file: java.nio.file.NoSuchFileException"),
                e.getMessage());
    }

    @Test
    void unknownFieldsAreNamedWithTheirPathAndTheFile() {
        String message = messageWith("- filter:", "- filtr:");
        assertEquals("""
                job.yaml: spec.pipeline[0].filtr: unknown field (line 9); known fields there: filter, map, window
                job.yaml: spec.pipeline[0]: give one of filter, map or window""", message);
        assertEquals("job.yaml: spce: unknown field; known fields there: apiVersion, kind, metadata, spec,"
                + " status\njob.yaml: spec: is required: give at least source, sink and deadLetter",
                messageWith("spec:", "spce:"));
        assertEquals("job.yaml: spec.scaling.maxReplica: unknown field (line 20); known fields there: idleTimeout,"
                        + " maxLagSeconds, maxReplicas, minReplicas, pollInterval, scaleDownWindow",
                messageWith("maxReplicas: 12", "maxReplica: 12"));
        assertEquals("job.yaml: metadata.nmae: unknown field: metadata has name, namespace, labels, annotations and the"
                        + " other fields of Kubernetes object metadata\n"
                        + "job.yaml: metadata.name: is required: name the job, e.g. sensor-aggregates",
                messageWith("metadata: {name: sensor-aggregates}", "metadata: {nmae: sensor-aggregates}"));
    }

    @Test
    void apiVersionKindAndNameAreChecked() throws InvalidJobException {
        assertEquals("job.yaml: apiVersion: must be weir.dev/v1alpha1, got \"weir.dev/v1\"\n"
                        + "job.yaml: kind: must be StreamJob, got \"Deployment\"",
                message(VALID.replace("weir.dev/v1alpha1", "weir.dev/v1").replace("kind: StreamJob", "kind: Deployment")));
        assertEquals("job.yaml: apiVersion: is required: write apiVersion: weir.dev/v1alpha1\n"
                        + "job.yaml: kind: is required: write kind: StreamJob",
                message(VALID.replace("apiVersion: weir.dev/v1alpha1\n", "").replace("kind: StreamJob\n", "")));
        assertEquals("job.yaml: metadata.name: is required: name the job, e.g. sensor-aggregates",
                messageWith("metadata: {name: sensor-aggregates}\n", ""));
        String rule = " cannot name a job: its StatefulSet and Service take the name, so use at most 52 lower-case"
                + " letters, digits and '-', starting with a letter and ending with a letter or digit";
        for (String name : List.of("Sensor_Aggregates", "sensor.aggregates", "1-sensor", "s".repeat(53), "sensor-")) {
            assertEquals("job.yaml: metadata.name: \"" + name + "\"" + rule, messageWith("name: sensor-aggregates",
                    "name: " + name));
        }
        assertEquals("s".repeat(52), JobFiles.readString(VALID.replace("name: sensor-aggregates",
                "name: " + "s".repeat(52)), "job.yaml").getMetadata().getName());
    }

    @Test
    void badEnumValuesListTheAllowedOnes() {
        assertEquals("job.yaml: spec.processingGuarantee: \"exactly-once\" is not allowed (line 18): use one of"
                        + " exactly_once, at_least_once",
                messageWith("processingGuarantee: exactly_once", "processingGuarantee: exactly-once"));
        assertEquals("job.yaml: spec.source.kafka.startingOffsets: \"first\" is not allowed (line 6): use one of"
                        + " earliest, latest",
                messageWith("startingOffsets: earliest", "startingOffsets: first"));
    }

    @Test
    void valuesOfTheWrongTypeAreNamed() {
        assertEquals("job.yaml: spec.scaling.minReplicas: \"none\" is not allowed (line 20): expected an integer",
                messageWith("minReplicas: 0", "minReplicas: none"));
        assertEquals("job.yaml: spec.scaling.minReplicas: \"1\" is not allowed (line 20): expected an integer",
                messageWith("minReplicas: 0", "minReplicas: \"1\""));
        assertEquals("job.yaml: spec.pipeline[1].map: cannot be read (line 10): expected a mapping (field: value)",
                messageWith("- map: {sensor_id: \"sensor_id\", temp_c: \"(temperature - 32.0) * 5.0 / 9.0\"}",
                        "- map: [sensor_id]"));
        assertEquals("job.yaml: spec.pipeline: \"filter\" is not allowed (line 8): expected a list",
                messageWith("pipeline:", "pipeline: filter\n  other:"));
        assertEquals("job.yaml: spec.scaling.maxLagSeconds: 1.5 is not allowed (line 20): expected an integer",
                messageWith("maxLagSeconds: 30", "maxLagSeconds: 1.5"));
    }

    @Test
    void validationErrorsComeWithTheFileAndAreCarried() {
        InvalidJobException e = assertThrows(InvalidJobException.class, () -> JobFiles.readString(VALID
                .replace("minReplicas: 0", "minReplicas: -1").replace("tumbling: 10m", "tumbling: 10"), "job.yaml"));
        assertEquals("job.yaml", e.origin());
        assertEquals(List.of(
                new ValidationError("spec.pipeline[2].window.tumbling", "invalid duration \"10\": use a number with a"
                        + " unit, e.g. 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)"),
                new ValidationError("spec.scaling.minReplicas", "must be ≥ 0, got -1: use 0 to let an idle job stop")),
                e.errors());
        assertEquals("job.yaml: spec.pipeline[2].window.tumbling: invalid duration \"10\": use a number with a unit,"
                + " e.g. 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)\n"
                + "job.yaml: spec.scaling.minReplicas: must be ≥ 0, got -1: use 0 to let an idle job stop", e.getMessage());
    }

    @Test
    void malformedDocumentsAreRefusedWhole() {
        assertEquals("job.yaml: is empty: expected a StreamJob (apiVersion: weir.dev/v1alpha1, kind: StreamJob,"
                + " metadata.name, spec)", message(""));
        assertEquals("job.yaml: is not a YAML mapping: expected a StreamJob (apiVersion: weir.dev/v1alpha1, kind:"
                + " StreamJob, metadata.name, spec)", message("- a\n- b\n"));
        assertEquals("job.yaml: holds more than one YAML document (the second starts at line 24): put one StreamJob"
                + " in each file", message(VALID + "---\n" + VALID));
        assertTrue(message("spec: {source: [}").startsWith("job.yaml: is not valid YAML (line 1): "),
                message("spec: {source: [}"));
        assertTrue(messageWith("suspend: false", "suspend: false\n  suspend: true")
                .startsWith("job.yaml: is not valid YAML (line 23): Duplicate field 'suspend'"),
                messageWith("suspend: false", "suspend: false\n  suspend: true"));
    }
}

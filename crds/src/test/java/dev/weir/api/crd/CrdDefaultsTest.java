package dev.weir.api.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.api.CheckpointSpec;
import dev.weir.api.Durations;
import dev.weir.api.EventTimeSpec;
import dev.weir.api.ScalingSpec;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.TracingSpec;
import dev.weir.api.WindowSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The defaults the API server fills in are the ones the descriptions state and the model's helpers return. */
class CrdDefaultsTest {
    /** Schema path → the schema of the field, for fields with a default. */
    private static final Map<String, JsonNode> DEFAULTED = new TreeMap<>();

    @BeforeAll
    static void collectDefaults() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CrdFile.generate());
        collect(crd.at("/spec/versions/0/schema/openAPIV3Schema"), "");
    }

    private static void collect(JsonNode schema, String path) {
        schema.path("properties").properties().forEach(property -> {
            String field = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
            if (property.getValue().has("default")) {
                DEFAULTED.put(field, property.getValue());
            }
            collect(property.getValue(), field);
        });
        if (schema.has("items")) {
            collect(schema.get("items"), path + "[]");
        }
    }

    @Test
    void descriptionsStateTheDefaults() {
        List<String> unstated = new ArrayList<>();
        DEFAULTED.forEach((field, schema) -> {
            String description = schema.path("description").asText();
            if (!description.contains("default") || !description.contains(schema.get("default").asText())) {
                unstated.add(field + " (default " + schema.get("default").asText() + ")");
            }
        });
        assertEquals(List.of(), unstated, "say the default in the description of these fields");
    }

    @Test
    void theModelsHelpersReturnTheSameDefaults() {
        assertEquals(new StreamJobSpec().processingGuaranteeOrDefault().name(), defaultOf("spec.processingGuarantee"));
        assertEquals(String.valueOf(new StreamJobSpec().replicasOrDefault()), defaultOf("spec.replicas"));
        assertEquals(new EventTimeSpec().idleTimeoutOrDefault(), Durations.parse(defaultOf("spec.eventTime.idleTimeout")));
        assertEquals(new EventTimeSpec().maxAheadOrDefault(), Durations.parse(defaultOf("spec.eventTime.maxAhead")));
        assertEquals(new EventTimeSpec().unitOrDefault().name(), defaultOf("spec.eventTime.unit"));
        assertEquals(new CheckpointSpec().intervalOrDefault(), Durations.parse(defaultOf("spec.checkpoints.interval")));
        assertEquals(String.valueOf(new CheckpointSpec().retainOrDefault()), defaultOf("spec.checkpoints.retain"));
        assertEquals(new CheckpointSpec().savepointTimeoutOrDefault(),
                Durations.parse(defaultOf("spec.checkpoints.savepointTimeout")));
        CheckpointSpec.CredentialsSecret secret = new CheckpointSpec.CredentialsSecret();
        assertEquals(secret.accessKeyIdKeyOrDefault(), defaultOf("spec.checkpoints.s3.credentialsSecret.accessKeyIdKey"));
        assertEquals(secret.secretAccessKeyKeyOrDefault(),
                defaultOf("spec.checkpoints.s3.credentialsSecret.secretAccessKeyKey"));
        assertEquals(String.valueOf(new CheckpointSpec.S3().pathStyleOrDefault()),
                defaultOf("spec.checkpoints.s3.pathStyle"));
        ScalingSpec scaling = new ScalingSpec();
        assertEquals(String.valueOf(scaling.minReplicasOrDefault()), defaultOf("spec.scaling.minReplicas"));
        assertEquals(String.valueOf(scaling.maxReplicasOrDefault()), defaultOf("spec.scaling.maxReplicas"));
        assertEquals(String.valueOf(scaling.maxLagSecondsOrDefault()), defaultOf("spec.scaling.maxLagSeconds"));
        assertEquals(scaling.scaleDownWindowOrDefault(), Durations.parse(defaultOf("spec.scaling.scaleDownWindow")));
        assertEquals(scaling.idleTimeoutOrDefault(), Durations.parse(defaultOf("spec.scaling.idleTimeout")));
        assertEquals(scaling.pollIntervalOrDefault(), Durations.parse(defaultOf("spec.scaling.pollInterval")));
        assertEquals(String.valueOf(new TracingSpec().sampleRatioOrDefault()), defaultOf("spec.tracing.sampleRatio"));
    }

    /** The API server must leave a window's lateness empty, or the job's eventTime.allowedLateness never applies. */
    @Test
    void aWindowsAllowedLatenessDefaultsToTheJobsNotToASchemaDefault() {
        assertFalse(DEFAULTED.containsKey("spec.pipeline[].window.allowedLateness"));
        EventTimeSpec eventTime = new EventTimeSpec();
        assertEquals(Duration.ZERO, new WindowSpec().allowedLatenessOrDefault(null));
        assertEquals(Duration.ZERO, new WindowSpec().allowedLatenessOrDefault(eventTime));
        eventTime.allowedLateness = "30s";
        assertEquals(Duration.ofSeconds(30), new WindowSpec().allowedLatenessOrDefault(eventTime));
        WindowSpec own = new WindowSpec();
        own.allowedLateness = "5s";
        assertEquals(Duration.ofSeconds(5), own.allowedLatenessOrDefault(eventTime));
    }

    private static String defaultOf(String field) {
        return DEFAULTED.get(field).get("default").asText();
    }
}

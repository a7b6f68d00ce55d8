package dev.weir.api.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CEL rules of the CRD (x-kubernetes-validations) do what their messages say. They run here on cel-java, whose
 * has() on maps behaves as the API server's on objects; the API server itself is not part of this test.
 */
class CrdValidationRulesTest {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .build();

    /** Schema path → the rules there; the tests below cover each. */
    private static final Map<String, List<JsonNode>> RULES = new TreeMap<>();

    @BeforeAll
    static void collectRules() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CrdFile.generate());
        collect(crd.at("/spec/versions/0/schema/openAPIV3Schema"), "");
    }

    private static void collect(JsonNode schema, String path) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            RULES.computeIfAbsent(path, p -> new ArrayList<>()).add(rule);
        }
        schema.path("properties").properties().forEach(p -> collect(p.getValue(), path.isEmpty() ? p.getKey()
                : path + "." + p.getKey()));
        if (schema.has("items")) {
            collect(schema.get("items"), path + "[]");
        }
    }

    @Test
    void theRulesAreTheOnesTested() {
        assertEquals("[, spec, spec.deadLetter, spec.pipeline[], spec.pipeline[].window, spec.scaling, spec.sink,"
                + " spec.source]", RULES.keySet().toString());
    }

    @Test
    void exactlyOneSourceKind() throws Exception {
        exactlyOneOf("spec.source", "kafka", "kinesis");
        assertEquals("set exactly one of kafka or kinesis", message("spec.source"));
    }

    @Test
    void exactlyOneSinkKind() throws Exception {
        exactlyOneOf("spec.sink", "kafka", "kinesis");
        exactlyOneOf("spec.deadLetter", "kafka", "kinesis");
    }

    @Test
    void exactlyOneStepKind() throws Exception {
        exactlyOneOf("spec.pipeline[]", "filter", "map", "window");
        assertEquals("a pipeline step sets exactly one of filter, map or window",
                message("spec.pipeline[]"));
    }

    @Test
    void exactlyOneWindowShape() throws Exception {
        exactlyOneOf("spec.pipeline[].window", "tumbling", "hopping", "session");
    }

    @Test
    void minReplicasAtMostMaxReplicas() throws Exception {
        assertTrue(holds("spec.scaling", Map.of("minReplicas", 0L, "maxReplicas", 12L)));
        assertTrue(holds("spec.scaling", Map.of("minReplicas", 3L, "maxReplicas", 3L)));
        assertFalse(holds("spec.scaling", Map.of("minReplicas", 4L, "maxReplicas", 3L)));
        assertTrue(holds("spec.scaling", Map.of("minReplicas", 4L)));
        assertEquals("minReplicas must be ≤ maxReplicas", message("spec.scaling"));
    }

    @Test
    void sqlOrPipelineNotBoth() throws Exception {
        assertTrue(holds("spec", Map.of()), "neither: a job that passes records on as they are");
        assertTrue(holds("spec", Map.of("sql", "SELECT * FROM t")));
        assertTrue(holds("spec", Map.of("pipeline", List.of(Map.of("filter", "true")))));
        assertTrue(holds("spec", Map.of("sql", "SELECT * FROM t", "pipeline", List.of())),
                "a typed client sends the model's empty pipeline with sql");
        assertFalse(holds("spec", Map.of("sql", "SELECT * FROM t", "pipeline", List.of(Map.of("filter", "true")))));
        assertTrue(message("spec").contains("set spec.sql or spec.pipeline, not both: the query compiles to a pipeline"
                + " of its own"), message("spec"));
    }

    @Test
    void restoreFromNeedsACheckpointLocation() throws Exception {
        assertTrue(holds("spec", Map.of()));
        assertTrue(holds("spec", Map.of("restoreFrom", "s3://b/old", "checkpoints", Map.of("location", "s3://b"))));
        assertFalse(holds("spec", Map.of("restoreFrom", "s3://b/old")));
        assertFalse(holds("spec", Map.of("restoreFrom", "s3://b/old", "checkpoints", Map.of("interval", "30s"))));
    }

    private static void exactlyOneOf(String path, String... fields) throws Exception {
        assertFalse(holds(path, Map.of()), path + " with none of them");
        for (String field : fields) {
            assertTrue(holds(path, Map.of(field, Map.of())), path + " with " + field);
            for (String other : fields) {
                if (!other.equals(field)) {
                    assertFalse(holds(path, Map.of(field, Map.of(), other, Map.of())), path + " with " + field
                            + " and " + other);
                }
            }
        }
    }

    @Test
    void sinkAndDeadLetterAreNotTheSameTopicOrStream() throws Exception {
        assertTrue(holds("spec", Map.of("sink", kafka("out"), "deadLetter", kafka("dlq"))));
        assertFalse(holds("spec", Map.of("sink", kafka("out"), "deadLetter", kafka("out"))));
        assertFalse(holds("spec", Map.of("sink", Map.of("kafka", Map.of("topic", "out", "bootstrapServers", "k:9092")),
                "deadLetter", Map.of("kafka", Map.of("topic", "out", "bootstrapServers", "k:9092")))));
        assertTrue(holds("spec", Map.of("sink", Map.of("kafka", Map.of("topic", "out", "bootstrapServers", "a:9092")),
                "deadLetter", Map.of("kafka", Map.of("topic", "out", "bootstrapServers", "b:9092")))),
                "the same name on two clusters is two topics");
        assertTrue(holds("spec", Map.of("sink", kafka("out"), "deadLetter", kinesis("out"))));
        assertTrue(holds("spec", Map.of("sink", kinesis("out"), "deadLetter", kinesis("dlq"))));
        assertFalse(holds("spec", Map.of("sink", kinesis("out"), "deadLetter", kinesis("out"))));
        assertTrue(holds("spec", Map.of("sink", Map.of("kinesis", Map.of("stream", "out", "region", "eu-west-1")),
                "deadLetter", Map.of("kinesis", Map.of("stream", "out", "region", "us-east-1")))));
        assertTrue(message("spec").contains("spec.deadLetter must not be spec.sink's topic or stream"),
                RULES.get("spec").toString());
    }

    @Test
    void noSinkWritesToTheSourceTopic() throws Exception {
        Map<String, Object> source = Map.of("kafka", Map.of("bootstrapServers", "k:9092", "topic", "in"));
        assertTrue(holds("spec", Map.of("source", source, "sink", kafka("out"), "deadLetter", kafka("dlq"))));
        assertFalse(holds("spec", Map.of("source", source, "sink", kafka("in"), "deadLetter", kafka("dlq"))));
        assertFalse(holds("spec", Map.of("source", source, "sink", kafka("out"), "deadLetter", kafka("in"))));
        assertTrue(holds("spec", Map.of("source", source, "sink", kinesis("in"), "deadLetter", kafka("dlq"))));
        assertTrue(holds("spec", Map.of("source", kinesis("in"), "sink", kafka("in"), "deadLetter", kafka("dlq"))));
    }

    @Test
    void theJobsNameFitsItsStatefulSetAndService() throws Exception {
        for (String name : new String[] {"readings", "a", "sensor-aggregates-2", "s".repeat(52)}) {
            assertTrue(holds("", Map.of("metadata", Map.of("name", name))), name);
        }
        for (String name : new String[] {"s".repeat(53), "1-readings", "sensor.aggregates", "readings-", "Readings"}) {
            assertFalse(holds("", Map.of("metadata", Map.of("name", name))), name);
        }
    }

    private static Map<String, Object> kafka(String topic) {
        return Map.of("kafka", Map.of("topic", topic));
    }

    private static Map<String, Object> kinesis(String stream) {
        return Map.of("kinesis", Map.of("stream", stream));
    }

    /** Whether every rule at {@code path} holds for {@code self}. */
    private static boolean holds(String path, Map<String, Object> self) throws Exception {
        for (JsonNode rule : RULES.get(path)) {
            Object result = CEL.createProgram(CEL.compile(rule.get("rule").asText()).getAst())
                    .eval(Map.of("self", self));
            if (!(Boolean) result) {
                return false;
            }
        }
        return true;
    }

    /** The messages of the rules at {@code path}, one a line. */
    private static String message(String path) {
        return String.join("\n", RULES.get(path).stream().map(rule -> rule.get("message").asText()).toList());
    }
}

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

    /** Schema path → the rule there, or path#n for the n-th (from 1) where there are several; the tests below cover each. */
    private static final Map<String, JsonNode> RULES = new TreeMap<>();

    @BeforeAll
    static void collectRules() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CrdFile.generate());
        collect(crd.at("/spec/versions/0/schema/openAPIV3Schema"), "");
    }

    private static void collect(JsonNode schema, String path) {
        JsonNode rules = schema.path("x-kubernetes-validations");
        for (int i = 0; i < rules.size(); i++) {
            RULES.put(rules.size() == 1 ? path : path + "#" + (i + 1), rules.get(i));
        }
        schema.path("properties").properties().forEach(p -> collect(p.getValue(), path.isEmpty() ? p.getKey()
                : path + "." + p.getKey()));
        if (schema.has("items")) {
            collect(schema.get("items"), path + "[]");
        }
    }

    @Test
    void theRulesAreTheOnesTested() {
        assertEquals("[spec#1, spec#2, spec.deadLetter, spec.pipeline[], spec.pipeline[].window, spec.scaling, spec.sink,"
                        + " spec.source]",
                RULES.keySet().toString());
    }

    @Test
    void exactlyOneSourceKind() throws Exception {
        exactlyOneOf("spec.source", "kafka", "kinesis");
        assertEquals("set exactly one of kafka or kinesis", RULES.get("spec.source").get("message").asText());
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
                RULES.get("spec.pipeline[]").get("message").asText());
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
        assertEquals("minReplicas must be ≤ maxReplicas", RULES.get("spec.scaling").get("message").asText());
    }

    @Test
    void sqlOrPipelineNotBoth() throws Exception {
        String rule = "spec#1";
        assertTrue(holds(rule, Map.of()), "neither: a job that passes records on as they are");
        assertTrue(holds(rule, Map.of("sql", "SELECT * FROM t")));
        assertTrue(holds(rule, Map.of("pipeline", List.of(Map.of("filter", "true")))));
        assertTrue(holds(rule, Map.of("sql", "SELECT * FROM t", "pipeline", List.of())),
                "a typed client sends the model's empty pipeline with sql");
        assertFalse(holds(rule, Map.of("sql", "SELECT * FROM t", "pipeline", List.of(Map.of("filter", "true")))));
        assertEquals("set spec.sql or spec.pipeline, not both: the query compiles to a pipeline of its own",
                RULES.get(rule).get("message").asText());
    }

    @Test
    void restoreFromNeedsACheckpointLocation() throws Exception {
        String rule = "spec#2";
        assertTrue(holds(rule, Map.of()));
        assertTrue(holds(rule, Map.of("restoreFrom", "s3://b/old", "checkpoints", Map.of("location", "s3://b"))));
        assertFalse(holds(rule, Map.of("restoreFrom", "s3://b/old")));
        assertFalse(holds(rule, Map.of("restoreFrom", "s3://b/old", "checkpoints", Map.of("interval", "30s"))));
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

    private static boolean holds(String path, Map<String, Object> self) throws Exception {
        String rule = RULES.get(path).get("rule").asText();
        return (Boolean) CEL.createProgram(CEL.compile(rule).getAst()).eval(Map.of("self", self));
    }
}

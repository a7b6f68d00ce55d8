package dev.weir.api.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every field of the CRD has a description, so that kubectl explain teaches the user. */
class CrdDescriptionsTest {

    @Test
    void everyPropertyHasADescription() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CrdFile.generate());
        JsonNode schema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
        assertTrue(schema.has("properties"), "no openAPIV3Schema properties in the generated CRD");

        List<String> undescribed = new ArrayList<>();
        List<String> described = new ArrayList<>();
        walk(schema, "", undescribed, described);

        assertEquals(List.of(), undescribed, "add @JsonPropertyDescription to these fields of the model");
        assertTrue(described.contains("spec.pipeline[].window.hopping.advance"), String.valueOf(described));
        assertTrue(described.contains("status.conditions[].reason"), String.valueOf(described));
    }

    private static void walk(JsonNode schema, String path, List<String> undescribed, List<String> described) {
        for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
            String field = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
            if (property.getValue().path("description").asText().isBlank()) {
                undescribed.add(field);
            } else {
                described.add(field);
            }
            walk(property.getValue(), field, undescribed, described);
        }
        if (schema.has("items")) {
            walk(schema.get("items"), path + "[]", undescribed, described);
        }
        if (schema.path("additionalProperties").isObject()) {
            walk(schema.get("additionalProperties"), path + ".*", undescribed, described);
        }
    }
}

package dev.weir.runtime.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.runtime.contract.WindowAssertions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example run on the Kinesis engine through {@code weir run --input}, which starts kinesis-local and moto
 * itself: the same windows as the example's expected output (which the Kafka engine gives, WeirCommandLineIT), and the
 * same dead letters, each with its reason and its line, in input order (by sequence number: Kinesis has no offsets).
 */
class KinesisExamplesIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path tmp;

    static List<String> yamlExamples() throws Exception {
        return WeirCommandLineIT.yamlExamples().toList();
    }

    /** The example with its topics turned into streams of the same names; Kinesis runs at least once. */
    static String onKinesis(String exampleYaml) throws Exception {
        ObjectNode job = (ObjectNode) YAML.readTree(exampleYaml);
        ObjectNode spec = (ObjectNode) job.get("spec");
        ObjectNode source = YAML.createObjectNode();
        source.putObject("kinesis").put("stream", spec.at("/source/kafka/topic").asText()).put("region", "us-east-1");
        spec.set("source", source);
        for (String output : List.of("sink", "deadLetter")) {
            ObjectNode stream = YAML.createObjectNode();
            stream.putObject("kinesis").put("stream", spec.at("/" + output + "/kafka/topic").asText());
            spec.set(output, stream);
        }
        spec.put("processingGuarantee", "at_least_once");
        return YAML.writeValueAsString(job);
    }

    @ParameterizedTest
    @MethodSource("yamlExamples")
    void everyExampleGivesItsExpectedWindowsAndDeadLettersOnKinesis(String name) throws Exception {
        Path example = WeirCommandLineIT.EXAMPLES.resolve(name + ".yaml");
        Path job = tmp.resolve(name + "-kinesis.yaml");
        Files.writeString(job, onKinesis(Files.readString(example)));
        assertRunGivesExpected(job, WeirCommandLineIT.dataOf(example), name);
    }

    @Test
    void theKinesisSensorExampleGivesTheSensorWindows() throws Exception {
        Path example = WeirCommandLineIT.EXAMPLES.resolve("kinesis/sensor-aggregates.yaml");
        assertRunGivesExpected(example, WeirCommandLineIT.dataOf(example), "sensor-aggregates");
    }

    private void assertRunGivesExpected(Path job, Path input, String expected) throws Exception {
        Path out = tmp.resolve(expected + ".out.jsonl");
        Path dead = tmp.resolve(expected + ".dead.jsonl");
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 300, "run", job.toString(), "--input", input.toString(),
                "--output", out.toString(), "--dead-letter", dead.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<Map<String, Object>> windows = WeirCommandLineIT.readLines(out);
        List<Map<String, Object>> expectedWindows =
                WeirCommandLineIT.readLines(WeirCommandLineIT.EXAMPLES.resolve("data/" + expected + ".expected.jsonl"));
        WindowAssertions.assertSameWindows(expectedWindows, windows, expectedWindows.get(0).keySet().iterator().next());

        List<Map<String, Object>> deadLetters = new ArrayList<>(WeirCommandLineIT.readLines(dead));
        deadLetters.sort(Comparator.comparing(d -> new BigInteger((String) source(d).get("sequence_number"))));
        List<Map<String, Object>> expectedDead =
                WeirCommandLineIT.readLines(WeirCommandLineIT.EXAMPLES.resolve("data/" + expected + ".expected-dead-letters.jsonl"));
        assertEquals(expectedDead.stream().map(d -> d.get("reason")).toList(),
                deadLetters.stream().map(d -> d.get("reason")).toList(), "the dead letters' reasons in input order");
        List<String> inputLines = Files.readAllLines(input);
        for (int i = 0; i < deadLetters.size(); i++) {
            int offset = ((Number) expectedDead.get(i).get("offset")).intValue();
            assertEquals(inputLines.get(offset), deadLetters.get(i).get("record"), "the dead letter carries its line");
            assertTrue(((String) source(deadLetters.get(i)).get("shard")).startsWith("shardId-"), deadLetters.get(i).toString());
        }
    }

    private static Map<?, ?> source(Map<String, Object> deadLetter) {
        return (Map<?, ?>) deadLetter.get("source");
    }
}

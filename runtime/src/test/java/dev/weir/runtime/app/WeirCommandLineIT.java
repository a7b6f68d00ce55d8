package dev.weir.runtime.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.api.sql.SqlPipeline;
import dev.weir.runtime.contract.WindowAssertions;
import dev.weir.runtime.pipeline.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example through the packaged {@code weir run --input}, in a 256 MiB heap, checked against
 * its expected output, and each SQL twin against its YAML job; {@code weir explain}; and the command line's answers
 * to bad input.
 */
class WeirCommandLineIT {
    static final Path EXAMPLES = Path.of("..", "examples");
    static final String SQL_TWIN = "-sql";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path tmp;

    /** The YAML examples; each X.yaml may have a twin X-sql.yaml with the same job as a query. */
    static Stream<String> yamlExamples() throws Exception {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.endsWith(SQL_TWIN + ".yaml"))
                    .map(f -> f.substring(0, f.length() - ".yaml".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("yamlExamples")
    void exampleAndItsSqlTwinGiveTheExpectedWindows(String name) throws Exception {
        Run yaml = runExample(name, name);
        Path twin = EXAMPLES.resolve(name + SQL_TWIN + ".yaml");
        if (Files.exists(twin)) {
            Run sql = runExample(name + SQL_TWIN, name);
            assertEquals(yaml.windows(), sql.windows(), "the query gives exactly the YAML pipeline's windows");
            assertEquals(yaml.deadLetters(), sql.deadLetters(), "and exactly its dead letters");
        }
    }

    record Run(List<Map<String, Object>> windows, List<String> deadLetters) {}

    /** The data file an example names in its comment ({@code ./weir run … --input examples/data/X.jsonl}). */
    static Path dataOf(Path example) throws IOException {
        String yamlText = Files.readString(example);
        try (Stream<Path> files = Files.list(EXAMPLES.resolve("data"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jsonl")
                            && !p.getFileName().toString().contains(".expected"))
                    .filter(p -> yamlText.contains("examples/data/" + p.getFileName()))
                    .findFirst().orElseThrow(() -> new AssertionError(example + " names no data file in a comment"));
        }
    }

    /** Runs examples/{@code example}.yaml on its data and checks the output against {@code expected}'s files. */
    private Run runExample(String example, String expected) throws Exception {
        Path yaml = EXAMPLES.resolve(example + ".yaml");
        Path input = dataOf(yaml);
        Path out = tmp.resolve(example + ".out.jsonl");
        Path dead = tmp.resolve(example + ".dead.jsonl");
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 180, "run", yaml.toString(), "--input", input.toString(),
                "--output", out.toString(), "--dead-letter", dead.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<Map<String, Object>> windows = readLines(out);
        List<Map<String, Object>> expectedWindows = readLines(EXAMPLES.resolve("data/" + expected + ".expected.jsonl"));
        WindowAssertions.assertSameWindows(expectedWindows, windows, expectedWindows.get(0).keySet().iterator().next());

        List<Map<String, Object>> deadLetters = new ArrayList<>(readLines(dead));
        deadLetters.sort(Comparator.comparingLong(d -> ((Number) ((Map<?, ?>) d.get("source")).get("offset")).longValue()));
        List<Map<String, Object>> expectedDead =
                readLines(EXAMPLES.resolve("data/" + expected + ".expected-dead-letters.jsonl"));
        List<String> reasons = deadLetters.stream()
                .map(d -> d.get("reason") + "@" + ((Map<?, ?>) d.get("source")).get("offset")).toList();
        assertEquals(expectedDead.stream().map(d -> d.get("reason") + "@" + d.get("offset")).toList(), reasons);
        List<String> inputLines = Files.readAllLines(input);
        for (Map<String, Object> d : deadLetters) {
            int offset = ((Number) ((Map<?, ?>) d.get("source")).get("offset")).intValue();
            assertEquals(inputLines.get(offset), d.get("record"), "the dead letter carries the original line");
        }
        return new Run(windows, reasons);
    }

    @Test
    void explainPrintsTheJobWithThePipelineItsQueryTranslatesTo() throws Exception {
        Path sqlJob = EXAMPLES.resolve("sensor-aggregates-sql.yaml");
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 60, "explain", sqlJob.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        StreamJob explained = JobFiles.readString(r.stdout(), "weir explain");
        assertNull(explained.getSpec().sql);
        StreamJob original = JobFiles.read(sqlJob);
        assertEquals(YAML.writeValueAsString(SqlPipeline.translate(original.getSpec())),
                YAML.writeValueAsString(explained.getSpec().pipeline));
        assertTrue(r.stdout().contains("- filter: \"temperature > -50.0\""), r.stdout());
        assertTrue(r.stdout().contains("#   GROUP BY TUMBLE(event_time, INTERVAL '10' MINUTE), sensor_id"), r.stdout());
    }

    @Test
    void aBadQueryIsRefusedWithItsLineAndColumn() throws Exception {
        Path bad = tmp.resolve("bad-sql.yaml");
        Files.writeString(bad, Files.readString(EXAMPLES.resolve("service-errors-sql.yaml"))
                .replace("GROUP BY window_start, window_end, service",
                        "GROUP BY window_start, window_end, service\n    ORDER BY service"));
        for (String verb : List.of("validate", "explain")) {
            RuntimeProcess.Result r = RuntimeProcess.run(tmp, 60, verb, bad.toString());
            assertEquals(2, r.exitCode(), r.stderr());
            assertTrue(r.stderr().contains("spec.sql: line 5, column 1: ORDER BY is not supported"), r.stderr());
        }
    }

    @Test
    void sinkRecordsGoToStdoutWithoutOutputFile() throws Exception {
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 180, "run", EXAMPLES.resolve("clickstream-sessions.yaml")
                .toString(), "--input", EXAMPLES.resolve("data/clicks.jsonl").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(3, r.stdout().lines().filter(l -> l.startsWith("{")).count(), r.stdout());
    }

    @Test
    void dashReadsTheInputFromStandardInput() throws Exception {
        Path log = tmp.resolve("stdin.err");
        Process p = RuntimeProcess.builder(log, "run", EXAMPLES.resolve("clickstream-sessions.yaml").toString(),
                "--input", "-").redirectInput(EXAMPLES.resolve("data/clicks.jsonl").toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "weir run --input - did not finish");
        assertEquals(0, p.exitValue(), Files.readString(log));
        assertEquals(3, Files.readAllLines(log.resolveSibling(log.getFileName() + ".out")).stream()
                .filter(l -> l.startsWith("{")).count());
        assertTrue(Files.readString(log).contains("11 records in = 9 into windows + 1 filtered + 1 dead letters (late 1)"),
                Files.readString(log));
    }

    @Test
    void sigtermLeavesNoStateOrBrokerFolderBehind() throws Exception {
        Path childTmp = Files.createDirectory(tmp.resolve("child-tmp"));
        Path log = tmp.resolve("sigterm.err");
        // standard input left open: the run waits for more input, with its broker and Kafka Streams running
        Process p = RuntimeProcess.builder(log, List.of("-Djava.io.tmpdir=" + childTmp), "run",
                EXAMPLES.resolve("clickstream-sessions.yaml").toString(), "--input", "-").start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> stateFolder(childTmp).map(WeirCommandLineIT::hasFiles)
                    .orElse(false));
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "weir run did not stop on SIGTERM");
            assertEquals(List.of(), folders(childTmp), Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
    }

    private static Optional<Path> stateFolder(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            return list.filter(f -> f.getFileName().toString().startsWith("weir-state")).findFirst();
        }
    }

    private static boolean hasFiles(Path dir) {
        try (var list = Files.list(dir)) {
            return list.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> folders(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void badArgumentsPrintUsageAndExit2() throws Exception {
        for (String[] args : List.of(new String[] {"frobnicate"}, new String[] {"run"}, new String[] {"explain"},
                new String[] {"explain", EXAMPLES.resolve("sensor-aggregates-sql.yaml").toString(), "--input", "x"},
                new String[] {"run", "no-such.yaml"}, new String[] {"run", EXAMPLES.resolve("sensor-aggregates.yaml")
                        .toString(), "--input"})) {
            RuntimeProcess.Result r = RuntimeProcess.run(tmp, 60, args);
            assertEquals(2, r.exitCode(), String.join(" ", args));
            assertTrue(r.stderr().contains("usage: weir run"), r.stderr());
        }
    }

    @Test
    void invalidJobFailsFastWithMessagesNamingTheFields() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: bad}
                spec:
                  source: {kafka: {bootstrapServers: "localhost:9092", topic: in}}
                  pipeline:
                    - filter: "x >"
                    - window: {keyBy: k, hopping: {size: 1m, advance: 2m}, aggregate: {n: median(x)}}
                  sink: {kafka: {topic: out}}
                  deadLetter: {kafka: {topic: dlq}}
                """);
        Path input = EXAMPLES.resolve("data/clicks.jsonl");
        for (String[] args : List.of(new String[] {"validate", bad.toString()},
                new String[] {"run", bad.toString(), "--input", input.toString()})) {
            RuntimeProcess.Result r = RuntimeProcess.run(tmp, 60, args);
            assertEquals(2, r.exitCode(), r.stderr());
            assertTrue(r.stderr().contains("spec.pipeline[0].filter"), r.stderr());
            assertTrue(r.stderr().contains("spec.pipeline[1].window.hopping.advance"), r.stderr());
            assertTrue(r.stderr().contains("spec.pipeline[1].window.aggregate.n"), r.stderr());
        }
    }

    static List<Map<String, Object>> readLines(Path file) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(Json.parseObject(line));
            }
        }
        return out;
    }
}

package dev.weir.runtime.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.testing.WindowAssertions;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every example through the packaged {@code weir run --input}, in a 256 MiB heap, checked against
 * its expected output; and the command line's answers to bad input.
 */
class WeirCommandLineIT {
    static final Path EXAMPLES = Path.of("..", "examples");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"sensor-aggregates", "clickstream-sessions"})
    void exampleRunsAndGivesItsExpectedWindows(String name) throws Exception {
        Path yaml = EXAMPLES.resolve(name + ".yaml");
        String yamlText = Files.readString(yaml);
        Path input = Files.list(EXAMPLES.resolve("data"))
                .filter(p -> p.getFileName().toString().endsWith(".jsonl")
                        && !p.getFileName().toString().contains(".expected"))
                .filter(p -> yamlText.contains("examples/data/" + p.getFileName()))
                .findFirst().orElseThrow(() -> new AssertionError(yaml + " names no data file in a comment"));
        Path out = tmp.resolve("out.jsonl");
        Path dead = tmp.resolve("dead.jsonl");
        RuntimeProcess.Result r = RuntimeProcess.run(tmp, 180, "run", yaml.toString(), "--input", input.toString(),
                "--output", out.toString(), "--dead-letter", dead.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<Map<String, Object>> windows = readLines(out);
        List<Map<String, Object>> expected = readLines(EXAMPLES.resolve("data/" + name + ".expected.jsonl"));
        WindowAssertions.assertSameWindows(expected, windows, expected.get(0).keySet().iterator().next());

        List<Map<String, Object>> deadLetters = new ArrayList<>(readLines(dead));
        deadLetters.sort(Comparator.comparingLong(d -> ((Number) ((Map<?, ?>) d.get("source")).get("offset")).longValue()));
        List<Map<String, Object>> expectedDead =
                readLines(EXAMPLES.resolve("data/" + name + ".expected-dead-letters.jsonl"));
        assertEquals(expectedDead.stream().map(d -> d.get("reason") + "@" + d.get("offset")).toList(),
                deadLetters.stream().map(d -> d.get("reason") + "@" + ((Map<?, ?>) d.get("source")).get("offset"))
                        .toList());
        List<String> inputLines = Files.readAllLines(input);
        for (Map<String, Object> d : deadLetters) {
            int offset = ((Number) ((Map<?, ?>) d.get("source")).get("offset")).intValue();
            assertEquals(inputLines.get(offset), d.get("record"), "the dead letter carries the original line");
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
        for (String[] args : List.of(new String[] {"frobnicate"}, new String[] {"run"},
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

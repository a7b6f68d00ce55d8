package dev.weir.runtime.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line's refusals, in process: jobs that validate but could not run, and {@code weir run} files that could
 * not be read or written, all answered with exit 2 and the field or flag named before anything starts.
 */
class WeirMainTest {
    private static final Path EXAMPLE = WeirCommandLineIT.EXAMPLES.resolve("sensor-aggregates.yaml");
    /** Root reads and writes whatever the permissions say, so permission cases only fail for other users. */
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @TempDir
    Path tmp;
    private Path job;
    private Path input;

    record Result(int exitCode, String stdout, String stderr) {}

    @BeforeEach
    void files() throws Exception {
        job = Files.copy(EXAMPLE, tmp.resolve("job.yaml"));
        input = Files.writeString(tmp.resolve("in.jsonl"), "{\"sensor_id\": \"s1\"}\n");
    }

    private static Result weir(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = WeirMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** `weir run` refused the arguments with usage, exit 2 and a message naming the flag, before any broker started. */
    private static void assertRefused(Result result, String flag, String problem) {
        assertEquals(2, result.exitCode(), result.stderr());
        String firstLine = result.stderr().lines().findFirst().orElse("");
        assertTrue(firstLine.startsWith("weir: " + flag), result.stderr());
        assertTrue(firstLine.contains(problem), result.stderr());
        assertTrue(result.stderr().contains("usage: weir run"), result.stderr());
        assertFalse(result.stderr().contains("input lines sent"), result.stderr());
    }

    private Result run(Path in, Path output, Path deadLetter) {
        List<String> args = new ArrayList<>(List.of("run", job.toString(), "--input", in.toString()));
        if (output != null) {
            args.addAll(List.of("--output", output.toString()));
        }
        if (deadLetter != null) {
            args.addAll(List.of("--dead-letter", deadLetter.toString()));
        }
        return weir(args.toArray(String[]::new));
    }

    @Test
    void aMissingInputOrAFolderIsRefused() {
        assertRefused(run(tmp.resolve("nothing.jsonl"), null, null), "--input", "no such file");
        assertRefused(run(tmp, null, null), "--input", "is a folder");
    }

    @Test
    void anUnreadableInputIsRefused() throws Exception {
        assumeFalse(ROOT);
        Files.setPosixFilePermissions(input, PosixFilePermissions.fromString("-w-------"));
        assertRefused(run(input, null, null), "--input", "cannot be read");
    }

    @Test
    void outputAndDeadLetterInOneFileAreRefused() throws Exception {
        Path out = tmp.resolve("out.jsonl");
        assertRefused(run(input, out, out), "--output", "--dead-letter names the same file");
        assertRefused(run(input, out, tmp.resolve(".").resolve("out.jsonl")), "--output",
                "--dead-letter names the same file");
        Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), out.getFileName());
        assertRefused(run(input, out, link), "--output", "--dead-letter names the same file");
        Files.writeString(out, "old results\n");
        assertRefused(run(input, link, out), "--output", "--dead-letter names the same file");
    }

    @Test
    void writingOverTheInputOrTheJobIsRefused() throws Exception {
        assertRefused(run(input, input, null), "--output", "is the input file");
        assertRefused(run(input, null, input), "--dead-letter", "is the input file");
        Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), input);
        assertRefused(run(input, link, null), "--output", "is the input file");
        assertRefused(run(link, null, input), "--dead-letter", "is the input file");
        assertRefused(run(input, null, job), "--dead-letter", "is the job file");
    }

    @Test
    void outputsInAMissingFolderOrAFolderAreRefused() throws Exception {
        assertRefused(run(input, tmp.resolve("missing/out.jsonl"), null), "--output", "does not exist");
        assertRefused(run(input, null, tmp.resolve("missing/dead.jsonl")), "--dead-letter", "does not exist");
        assertRefused(run(input, tmp, null), "--output", "is a folder");
        Path dangling = Files.createSymbolicLink(tmp.resolve("dangling.jsonl"), tmp.resolve("gone/out.jsonl"));
        assertRefused(run(input, dangling, null), "--output", "does not exist");
    }

    @Test
    void outputsInAnUnwritableFolderAreRefused() throws Exception {
        assumeFalse(ROOT);
        Path readOnly = Files.createDirectory(tmp.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));
        assertRefused(run(input, readOnly.resolve("out.jsonl"), null), "--output", "cannot be written");
    }

    /** Part of the example job, what replaces it, and the field the refusal names. */
    static Stream<Arguments> jobsThatCannotRun() {
        return Stream.of(
                Arguments.of("tumbling: 10m", "tumbling: 500us", "spec.pipeline[2].window.tumbling"),
                Arguments.of("tumbling: 10m", "hopping: {size: 1h, advance: 1ms}",
                        "spec.pipeline[2].window.hopping.advance"),
                Arguments.of("tumbling: 10m", "tumbling: 9999999999999h", "spec.pipeline[2].window.tumbling"),
                Arguments.of("allowedLateness: 30s", "allowedLateness: 9999999999999h",
                        "spec.pipeline[2].window.allowedLateness"),
                Arguments.of("topic: sensor-readings-dlq", "topic: sensor-aggregates", "spec.deadLetter.kafka.topic"),
                Arguments.of("topic: sensor-readings-dlq", "topic: sensor-readings", "spec.deadLetter.kafka.topic"),
                Arguments.of("sensor_id: \"sensor_id\"", "sensor: \"sensor_id\"", "spec.pipeline[2].window.keyBy"),
                Arguments.of("readings: count()", "readings: count(temperature)",
                        "spec.pipeline[2].window.aggregate.readings"),
                Arguments.of("kafka:\n      bootstrapServers: kafka:9092\n      topic: sensor-readings\n"
                                + "      startingOffsets: earliest\n",
                        "kinesis: {stream: sensor-readings, region: eu-west-1}\n", "spec.sink.kafka"));
    }

    @ParameterizedTest
    @MethodSource("jobsThatCannotRun")
    void jobsThatCannotRunAreRefusedByEveryCommandNamingTheField(String part, String hostile, String field)
            throws Exception {
        String example = Files.readString(EXAMPLE).replace("processingGuarantee: exactly_once", "");
        assertTrue(example.contains(part), part);
        Files.writeString(job, example.replace(part, hostile));
        for (String[] args : List.of(new String[] {"validate", job.toString()},
                new String[] {"run", job.toString(), "--input", input.toString()},
                new String[] {"serve", job.toString()})) {
            Result result = weir(args);
            assertEquals(2, result.exitCode(), String.join(" ", args) + "\n" + result.stderr());
            assertTrue(result.stderr().contains(job + ": " + field + ": "), result.stderr());
            assertEquals("", result.stdout());
        }
    }
}

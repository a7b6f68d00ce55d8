package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.api.validation.ValidationError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The examples' jobs with hostile values put in at random (durations, hopping ratios, topics, key and field names,
 * expressions, aggregates, Kinesis, brokers): each job is either refused with errors that name a field, or accepted,
 * compiled and run over its example's records to the end of input without an exception other than a dead letter's.
 * Never an unchecked exception from the validator, the compiler or the window.
 */
class HostileJobsTest {
    private static final int JOBS = 600;
    private static final long SEED = 11;
    private static final int RECORDS_PER_JOB = 25;
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** A field path as users find it in the YAML, e.g. spec.pipeline[2].window.hopping.advance. */
    private static final Pattern FIELD = Pattern.compile("(apiVersion|kind|metadata|spec)([.\\[].*)?");

    private static final List<String> DURATIONS = List.of("0s", "1ns", "999us", "1ms", "1.5ms", "1500us", "2ms", "1s",
            "10m", "1h", "1h30m", "48h", "876000h", "876000h1ns", "9999999999999h", "99999999999999999999999h",
            "1" + "0".repeat(40) + "ms", "", " ", "10", "-1s", "1d", "PT1M", "0.0001ms");
    private static final List<String> EXPRESSIONS = List.of("true", "false", "1", "x >", "", " ", "nosuch > 1",
            "temperature > -50.0", "double(temperature) * 2.0", "sensor_id", "size(sensor_id) > 0", "1 / 0 == 1",
            "temperature / 0.0 > 1.0", "'a' + 1 == 'a1'", "[1, 2].all(x, x > 0)", "has(a.b)", "user", "ts",
            "dwell_ms * 2", "window_start", "readings > 1", "clicks >= 2", "avg_c > 20.0", "event_time",
            "(".repeat(100) + "1" + ")".repeat(100), "(".repeat(5_000) + "1" + ")".repeat(5_000),
            "1 + ".repeat(2_000) + "1", "'" + "x".repeat(10_000) + "'", "action != 'heartbeat'", "type == 'click'");
    private static final List<String> FIELD_NAMES = List.of("", " ", "sensor_id", "user", "window_start", "window_end",
            "temp_c", "nosuch", "in", "true", "a-b", "ключ", "x".repeat(300), "readings", "clicks", "type", "_");
    private static final List<String> AGGREGATES = List.of("count()", "count(x)", "sum(temperature)", "avg(temp_c)",
            "min(dwell_ms)", "max(nosuch)", "sum()", "avg(1, 2)", "median(x)", "count(", "", "sum(temperature) + 1",
            "max(temp_c > 1.0)", "count(1 / 0)", "sum(dwell_ms)", "max(double(temperature))", "min('a')");
    private static final List<String> TOPICS = List.of("", " ", ".", "..", "a b", "t".repeat(249), "t".repeat(250),
            "tópico", "out", "dlq", "in", "sensor-readings", "clicks", "user-sessions");
    private static final List<String> BROKERS = List.of("kafka:9092", "kafka", "kafka:0", "kafka:65536", ":9092",
            "[::1]:9092", ",", "a:1,,b:2", " ", "k1:9092, k2:9093");
    private static final List<String> EVENT_TIMES = List.of("0", "-1", "1700000000000", "253402300799999",
            "-62135596800000", "\"2024-05-01T12:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"");

    /** Each example job (as a YAML tree) with the records of its data file. */
    private static final Map<String, ObjectNode> EXAMPLE_JOBS = new TreeMap<>();
    private static final Map<String, List<String>> EXAMPLE_RECORDS = new TreeMap<>();

    @BeforeAll
    static void readExamples() throws Exception {
        try (var files = Files.list(EXAMPLES)) {
            for (Path yaml : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                String text = Files.readString(yaml);
                String name = yaml.getFileName().toString();
                EXAMPLE_JOBS.put(name, (ObjectNode) YAML.readTree(text));
                try (var data = Files.list(EXAMPLES.resolve("data"))) {
                    Path records = data.filter(p -> !p.getFileName().toString().contains(".expected")
                                    && text.contains("examples/data/" + p.getFileName()))
                            .findFirst().orElseThrow(() -> new AssertionError(yaml + " names no data file"));
                    EXAMPLE_RECORDS.put(name, Files.readAllLines(records).stream().limit(RECORDS_PER_JOB).toList());
                }
            }
        }
        assertFalse(EXAMPLE_JOBS.isEmpty());
    }

    @Test
    void everyHostileJobIsRefusedNamingAFieldOrRuns() throws Exception {
        Random random = new Random(SEED);
        List<String> names = new ArrayList<>(EXAMPLE_JOBS.keySet());
        int accepted = 0;
        Map<String, Integer> refusedFields = new TreeMap<>();
        Map<String, String> unexpectedFailures = new TreeMap<>();
        for (int i = 0; i < JOBS; i++) {
            String example = names.get(random.nextInt(names.size()));
            ObjectNode job = EXAMPLE_JOBS.get(example).deepCopy();
            List<String> applied = new ArrayList<>();
            for (int m = 1 + random.nextInt(3); m > 0; m--) {
                int kind = random.nextInt(MUTATIONS.size());
                MUTATIONS.get(kind).accept((ObjectNode) job.get("spec"), random);
                applied.add(String.valueOf(kind));
            }
            String yaml = YAML.writeValueAsString(job);
            String what = "job " + i + " (from " + example + ", mutations " + applied + "):\n" + yaml;
            try {
                StreamJob read = JobFiles.readString(yaml, "hostile-" + i);
                runToTheEnd(CompiledJob.compile(read.getSpec()), EXAMPLE_RECORDS.get(example), random, what);
                accepted++;
            } catch (InvalidJobException refused) {
                assertFalse(refused.errors().isEmpty(), () -> "refused without a field: " + refused.getMessage()
                        + "\n" + what);
                for (ValidationError error : refused.errors()) {
                    assertTrue(FIELD.matcher(error.field()).matches(), () -> "no field in " + error + "\n" + what);
                    assertFalse(error.message().isBlank(), what);
                    refusedFields.merge(error.field().replaceAll("\\[\\d+]", "[]")
                            .replaceAll("\\.(map|aggregate)\\..*", ".$1.*"), 1, Integer::sum);
                }
            } catch (Throwable unexpected) {
                // one example of each kind of failure, so that a run shows them all
                StackTraceElement where = unexpected.getStackTrace().length == 0 ? null
                        : unexpected.getStackTrace()[0];
                unexpectedFailures.putIfAbsent(unexpected.getClass().getName() + " at " + where,
                        unexpected + "\n" + what);
            }
        }
        assertTrue(unexpectedFailures.isEmpty(), () -> unexpectedFailures.size() + " kinds of unexpected failure:\n"
                + String.join("\n\n", unexpectedFailures.values()));
        System.out.printf("hostile jobs: %d accepted and run, %d refused; fields refused: %s%n", accepted,
                JOBS - accepted - unexpectedFailures.size(), refusedFields);
        assertTrue(accepted > JOBS / 10, "the mutations leave some jobs runnable: " + accepted);
        assertTrue(JOBS - accepted > JOBS / 2, "most mutations are hostile: " + (JOBS - accepted));
    }

    /**
     * The records as an engine treats them: event time, steps, key, window, and at the end of input every window
     * closed and its record through the steps after the window. Dead letters (RecordRejected, malformed) are
     * expected; anything else fails the test.
     */
    private static void runToTheEnd(CompiledJob job, List<String> records, Random random, String what)
            throws Exception {
        CompiledJob.Window window = job.window();
        List<Map<String, Object>> emitted = new ArrayList<>();
        WindowOperator windows = window == null ? null : new WindowOperator(window.shape(), window.allowedLateness(),
                window.keyBy(), window.aggregates(), new SortedMapStore(), (record, end, inputs) -> emitted.add(record));
        long watermark = Long.MIN_VALUE;
        for (String line : records) {
            // a hostile event time now and then, inside the range a record may carry
            String record = random.nextInt(5) == 0 ? line.replaceFirst("(\"(event_time|ts)\"\\s*:\\s*)(\"[^\"]*\"|[-0-9]+)",
                    "$1" + Matcher.quoteReplacement(EVENT_TIMES.get(random.nextInt(EVENT_TIMES.size())))) : line;
            try {
                Map<String, Object> value = Json.parseObject(record);
                long eventTime = job.eventTime(value, 0L, System.currentTimeMillis());
                Map<String, Object> kept = job.beforeWindow(value);
                if (kept == null || windows == null) {
                    continue;
                }
                watermark = Math.max(watermark, eventTime);
                windows.advance(watermark);
                windows.add(job.key(kept), eventTime, window.aggregates().arguments(kept));
            } catch (RecordRejected | MalformedRecordException deadLetter) {
                // a dead letter is a record accounted for
            }
        }
        if (windows != null) {
            windows.advance(Long.MAX_VALUE);
            for (Map<String, Object> record : emitted) {
                try {
                    job.afterWindow(record);
                } catch (RecordRejected deadLetter) {
                    // the steps after the window may dead-letter a window record too
                }
            }
        }
    }

    private static <T> T any(List<T> values, Random random) {
        return values.get(random.nextInt(values.size()));
    }

    private static ArrayNode pipeline(ObjectNode spec) {
        return spec.withArrayProperty("pipeline");
    }

    /** The window step's window, made when the pipeline has none. */
    private static ObjectNode window(ObjectNode spec, Random random) {
        for (JsonNode step : pipeline(spec)) {
            if (step.has("window")) {
                return (ObjectNode) step.get("window");
            }
        }
        ObjectNode window = pipeline(spec).addObject().putObject("window");
        window.put("keyBy", any(FIELD_NAMES, random)).put("tumbling", any(DURATIONS, random));
        window.putObject("aggregate").put("n", "count()");
        return window;
    }

    private static final List<BiConsumer<ObjectNode, Random>> MUTATIONS = List.of(
            // 0: a duration field of the spec
            (spec, random) -> {
                String value = any(DURATIONS, random);
                switch (random.nextInt(6)) {
                    case 0 -> spec.withObjectProperty("eventTime").put("idleTimeout", value).put("field", "event_time");
                    case 1 -> spec.withObjectProperty("checkpoints").put("location", "s3://bucket/prefix").put("interval", value);
                    case 2 -> spec.withObjectProperty("checkpoints").put("savepointTimeout", value);
                    case 3 -> spec.withObjectProperty("scaling").put(any(List.of("scaleDownWindow", "idleTimeout", "pollInterval"),
                            random), value);
                    default -> window(spec, random).put("allowedLateness", value);
                }
            },
            // 1: the window's shape
            (spec, random) -> {
                ObjectNode window = window(spec, random);
                window.remove(List.of("tumbling", "hopping", "session"));
                switch (random.nextInt(3)) {
                    case 0 -> window.put("tumbling", any(DURATIONS, random));
                    case 1 -> window.putObject("hopping").put("size", any(DURATIONS, random))
                            .put("advance", any(DURATIONS, random));
                    default -> window.putObject("session").put("gap", any(DURATIONS, random));
                }
            },
            // 2: a hopping window of a random ratio around the bound
            (spec, random) -> {
                ObjectNode window = window(spec, random);
                window.remove(List.of("tumbling", "hopping", "session"));
                long advance = 1 + random.nextInt(5_000);
                long size = advance * (1 + random.nextInt(1_200)) + random.nextInt((int) advance);
                window.putObject("hopping").put("size", size + "ms").put("advance", advance + "ms");
            },
            // 3: topics, including each other's
            (spec, random) -> {
                List<String> topics = new ArrayList<>(TOPICS);
                spec.findValues("topic").forEach(topic -> topics.add(topic.asText()));
                String value = any(topics, random);
                switch (random.nextInt(3)) {
                    case 0 -> spec.withObjectProperty("source").withObjectProperty("kafka").put("topic", value);
                    case 1 -> spec.withObjectProperty("sink").withObjectProperty("kafka").put("topic", value);
                    default -> spec.withObjectProperty("deadLetter").withObjectProperty("kafka").put("topic", value);
                }
            },
            // 4: the key field
            (spec, random) -> window(spec, random).put("keyBy", any(FIELD_NAMES, random)),
            // 5: a map step somewhere, with hostile names and expressions
            (spec, random) -> {
                ObjectNode map = YAML.createObjectNode();
                for (int f = random.nextInt(3); f >= 0; f--) {
                    map.put(any(FIELD_NAMES, random), any(EXPRESSIONS, random));
                }
                pipeline(spec).insertObject(random.nextInt(pipeline(spec).size() + 1)).set("map", map);
            },
            // 6: a filter step somewhere
            (spec, random) -> pipeline(spec).insertObject(random.nextInt(pipeline(spec).size() + 1))
                    .put("filter", any(EXPRESSIONS, random)),
            // 7: an aggregate
            (spec, random) -> window(spec, random).withObjectProperty("aggregate").put(any(FIELD_NAMES, random),
                    any(AGGREGATES, random)),
            // 8: Kinesis somewhere
            (spec, random) -> {
                String where = any(List.of("source", "sink", "deadLetter"), random);
                ObjectNode kinesis = YAML.createObjectNode().put("stream", any(TOPICS, random));
                if (random.nextBoolean()) {
                    kinesis.put("region", "eu-west-1");
                }
                spec.putObject(where).set("kinesis", kinesis);
            },
            // 9: the brokers
            (spec, random) -> spec.withObjectProperty("source").withObjectProperty("kafka").put("bootstrapServers", any(BROKERS, random)),
            // 10: a step dropped, or the window step twice
            (spec, random) -> {
                ArrayNode steps = pipeline(spec);
                if (steps.isEmpty() || random.nextBoolean()) {
                    steps.add(YAML.createObjectNode().set("window", window(spec, random).deepCopy()));
                } else {
                    steps.remove(random.nextInt(steps.size()));
                }
            },
            // 11: the event time field
            (spec, random) -> spec.withObjectProperty("eventTime").put("field", any(FIELD_NAMES, random)));
}

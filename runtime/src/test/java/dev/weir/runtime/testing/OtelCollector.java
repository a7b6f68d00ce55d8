package dev.weir.runtime.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import dev.weir.runtime.pipeline.TraceParent;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real OpenTelemetry Collector for {@code *IT} tests: an OTLP/gRPC receiver on a free loopback port whose spans a
 * file exporter writes as OTLP JSON lines, which {@link #spans()} reads back. One per test class; the binary is the
 * one {@code runtime/otelcol/install-collector.sh} builds (the build links it at the {@value #BINARY_PROPERTY}
 * system property).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final OtelCollector collector = new OtelCollector();
 * }</pre>
 */
public final class OtelCollector implements BeforeAllCallback, AfterAllCallback {
    /** System property with the collector binary's path, set by the build. */
    public static final String BINARY_PROPERTY = "weir.otelcol";
    /** The span kinds and status code of OTLP JSON, which writes enums as numbers. */
    public static final int KIND_CONSUMER = 5;
    public static final int KIND_PRODUCER = 4;
    public static final int STATUS_ERROR = 2;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String CONFIG_ENV = "WEIR_OTELCOL_CONFIG";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Process process;
    private Path dir;
    private int port;

    /** A span as the collector received it; attribute values are strings, numbers (Long, Double) or booleans. */
    public record Span(String traceId, String spanId, String parentSpanId, String name, int kind,
                       Map<String, Object> attributes, List<Event> events, List<Link> links, int statusCode,
                       String statusMessage, Map<String, Object> resource) {
        public Object attribute(String key) {
            return attributes.get(key);
        }

        /** The traceparent that continues this span. */
        public String continuation() {
            return new TraceParent(traceId, spanId, true).header();
        }

        /** The traceparents this span links to. */
        public Set<String> linkHeaders() {
            return links.stream().map(l -> new TraceParent(l.traceId(), l.spanId(), true).header())
                    .collect(Collectors.toSet());
        }
    }

    /** The spans of one operation ("process", "window", ...), whatever their destination. */
    public static List<Span> named(List<Span> spans, String operation) {
        return spans.stream().filter(s -> s.name().startsWith(operation + " ")).toList();
    }

    /** The span of the window of {@code key} starting at {@code start} (ISO-8601), or an assertion error. */
    public static Span windowSpan(List<Span> windows, String key, String start) {
        return windows.stream().filter(w -> key.equals(w.attribute("weir.window.key"))
                        && start.equals(w.attribute("weir.window.start"))).findFirst()
                .orElseThrow(() -> new AssertionError("no span of window " + key + "@" + start + " in " + windows));
    }

    /** A fresh sampled context, as an upstream producer would send. */
    public static TraceParent sampledContext() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        random.nextBytes(traceId);
        random.nextBytes(spanId);
        return new TraceParent(HexFormat.of().formatHex(traceId), HexFormat.of().formatHex(spanId), true);
    }

    public record Event(String name, Map<String, Object> attributes) {}

    public record Link(String traceId, String spanId, Map<String, Object> attributes) {}

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    /** Starts the collector; for a fixture that owns it beyond one test class (the e2e suite's platform). */
    public void start() throws Exception {
        String binary = System.getProperty(BINARY_PROPERTY);
        if (binary == null || !Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("no collector at -D" + BINARY_PROPERTY + "=" + binary
                    + ": run the ITs through Maven, or build it with runtime/otelcol/install-collector.sh LINK and"
                    + " pass -D" + BINARY_PROPERTY + "=LINK");
        }
        dir = Files.createTempDirectory("weir-otelcol");
        port = freePort();
        ProcessBuilder pb = new ProcessBuilder(binary, "--config", "env:" + CONFIG_ENV)
                .redirectErrorStream(true).redirectOutput(logFile().toFile());
        pb.environment().put(CONFIG_ENV, config(port, spanFile()));
        process = pb.start();
        await("the collector listening on 127.0.0.1:" + port).atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the collector exited with " + process.exitValue() + ":\n"
                                + log());
                    }
                    return accepts(port);
                });
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** The OTLP/gRPC endpoint, as {@code spec.tracing.endpoint} takes it. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Every span received so far, in arrival order. */
    public List<Span> spans() {
        List<Span> spans = new ArrayList<>();
        if (!Files.exists(spanFile())) {
            return spans;
        }
        try {
            for (String line : Files.readAllLines(spanFile())) {
                if (!line.isBlank()) {
                    readSpans(JSON.readTree(line), spans);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return spans;
    }

    /** Waits (bounded) until the spans received satisfy {@code condition}, and returns them. */
    public List<Span> awaitSpans(String what, Duration timeout, Predicate<List<Span>> condition) {
        List<List<Span>> last = new ArrayList<>(List.of(List.of()));
        await(what).atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
            last.set(0, spans());
            return condition.test(last.get(0));
        });
        return last.get(0);
    }

    /** The collector's own log, for a failure message. */
    public String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile()) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private Path logFile() {
        return dir.resolve("collector.log");
    }

    private Path spanFile() {
        return dir.resolve("spans.jsonl");
    }

    private static String config(int port, Path spans) {
        // no internal telemetry: its metrics would listen on a fixed port (8888), taken by a parallel run
        return """
                receivers:
                  otlp:
                    protocols:
                      grpc:
                        endpoint: 127.0.0.1:%d
                exporters:
                  file:
                    path: %s
                    flush_interval: 100ms
                  debug:
                    verbosity: basic
                service:
                  telemetry:
                    metrics:
                      level: none
                  pipelines:
                    traces:
                      receivers: [otlp]
                      exporters: [file, debug]
                """.formatted(port, spans);
    }

    private static void readSpans(JsonNode line, List<Span> into) {
        for (JsonNode resourceSpans : line.path("resourceSpans")) {
            Map<String, Object> resource = attributes(resourceSpans.path("resource").path("attributes"));
            for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
                for (JsonNode s : scopeSpans.path("spans")) {
                    List<Event> events = new ArrayList<>();
                    for (JsonNode e : s.path("events")) {
                        events.add(new Event(e.path("name").asText(), attributes(e.path("attributes"))));
                    }
                    List<Link> links = new ArrayList<>();
                    for (JsonNode l : s.path("links")) {
                        links.add(new Link(l.path("traceId").asText(), l.path("spanId").asText(),
                                attributes(l.path("attributes"))));
                    }
                    into.add(new Span(s.path("traceId").asText(), s.path("spanId").asText(),
                            s.path("parentSpanId").asText(""), s.path("name").asText(), s.path("kind").asInt(),
                            attributes(s.path("attributes")), events, links, s.path("status").path("code").asInt(),
                            s.path("status").path("message").asText(""), resource));
                }
            }
        }
    }

    private static Map<String, Object> attributes(JsonNode list) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (JsonNode a : list) {
            JsonNode v = a.path("value");
            Object value;
            if (v.has("stringValue")) {
                value = v.get("stringValue").asText();
            } else if (v.has("intValue")) {
                // OTLP JSON writes 64-bit integers as strings
                value = Long.parseLong(v.get("intValue").asText());
            } else if (v.has("doubleValue")) {
                value = v.get("doubleValue").asDouble();
            } else if (v.has("boolValue")) {
                value = v.get("boolValue").asBoolean();
            } else {
                value = v.toString();
            }
            out.put(a.path("key").asText(), value);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

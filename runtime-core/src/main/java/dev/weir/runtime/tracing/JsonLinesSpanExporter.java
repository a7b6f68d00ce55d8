package dev.weir.runtime.tracing;

import dev.weir.runtime.pipeline.Json;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Writes spans as JSON lines, one span an object, for {@code weir run --traces FILE}: what a person or {@code jq} reads
 * without a collector. The fields are described in docs/tracing.md.
 */
final class JsonLinesSpanExporter implements SpanExporter {
    private static final Logger LOG = Logger.getLogger(JsonLinesSpanExporter.class);

    private final Path file;
    private final BufferedWriter out;

    JsonLinesSpanExporter(Path file) throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        try {
            for (SpanData span : spans) {
                out.write(Json.writeString(line(span)));
                out.write('\n');
            }
            out.flush();
            return CompletableResultCode.ofSuccess();
        } catch (IOException e) {
            LOG.errorf("cannot write spans to %s: %s", file, e.getMessage());
            return CompletableResultCode.ofFailure();
        }
    }

    static Map<String, Object> line(SpanData span) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("traceId", span.getTraceId());
        line.put("spanId", span.getSpanId());
        if (span.getParentSpanContext().isValid()) {
            line.put("parentSpanId", span.getParentSpanId());
        }
        line.put("name", span.getName());
        line.put("kind", span.getKind().name());
        line.put("start", Instant.EPOCH.plusNanos(span.getStartEpochNanos()).toString());
        line.put("end", Instant.EPOCH.plusNanos(span.getEndEpochNanos()).toString());
        line.put("attributes", map(span.getAttributes()));
        List<Map<String, Object>> events = new ArrayList<>();
        for (EventData event : span.getEvents()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", event.getName());
            e.put("time", Instant.EPOCH.plusNanos(event.getEpochNanos()).toString());
            e.put("attributes", map(event.getAttributes()));
            events.add(e);
        }
        line.put("events", events);
        List<Map<String, Object>> links = new ArrayList<>();
        for (LinkData link : span.getLinks()) {
            SpanContext context = link.getSpanContext();
            links.add(Map.of("traceId", context.getTraceId(), "spanId", context.getSpanId()));
        }
        line.put("links", links);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("code", span.getStatus().getStatusCode().name());
        if (!span.getStatus().getDescription().isEmpty()) {
            status.put("message", span.getStatus().getDescription());
        }
        line.put("status", status);
        line.put("resource", map(span.getResource().getAttributes()));
        return line;
    }

    private static Map<String, Object> map(Attributes attributes) {
        Map<String, Object> map = new LinkedHashMap<>();
        attributes.forEach((key, value) -> map.put(key.getKey(), value));
        return map;
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public synchronized CompletableResultCode shutdown() {
        try {
            out.close();
            return CompletableResultCode.ofSuccess();
        } catch (IOException e) {
            LOG.errorf("cannot close %s: %s", file, e.getMessage());
            return CompletableResultCode.ofFailure();
        }
    }
}

package dev.weir.runtime.app;

import static dev.weir.runtime.testing.OtelCollector.named;
import static dev.weir.runtime.testing.OtelCollector.sampledContext;
import static dev.weir.runtime.testing.OtelCollector.windowSpan;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.TracingSpec;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.pipeline.TraceParent;
import dev.weir.runtime.testing.OtelCollector;
import dev.weir.runtime.testing.OtelCollector.Span;
import dev.weir.runtime.tracing.SpanAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The packaged runtime serving a Kinesis job traces to a real OpenTelemetry Collector (docs/tracing.md, "Kinesis"):
 * with {@code sampleRatio: 1}, a process span per record naming its shard and sequence number, the one whose payload
 * field carried a sampled {@code traceparent} continuing that trace; the malformed record's dead-letter span; a span
 * per window linking exactly the process spans of its inputs; and the window's sink record, and the dead letter,
 * carrying their own span's context in the payload field.
 */
class KinesisTracingIT {
    private static final Duration SPAN_TIMEOUT = Duration.ofSeconds(90);
    private static final String FIELD = TracingSpec.DEFAULT_PAYLOAD_FIELD;

    @RegisterExtension
    static final KinesisServers servers = new KinesisServers();

    @RegisterExtension
    static final OtelCollector collector = new OtelCollector();

    @TempDir
    Path tmp;

    /** A record to put: the shard (index among the open shards) and its payload. */
    private record Input(int shard, String payload) {}

    /** Where a record went: its shard and sequence number. */
    private record Put(String shardId, String sequenceNumber) {}

    @Test
    void tracesEachRecordItsDeadLetterAndItsWindowsThroughThePayloadField() throws Exception {
        String name = KinesisServers.uniqueName("traced");
        String in = name + "-in";
        String out = name + "-out";
        String dlq = name + "-dlq";
        servers.createStream(in, 2);
        servers.createStream(out, 1);
        servers.createStream(dlq, 1);
        Path job = tmp.resolve("job.yaml");
        Files.writeString(job, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s}
                spec:
                  source: {kinesis: {stream: %s, region: us-east-1, endpoint: "%s"}}
                  eventTime: {field: t, idleTimeout: 1h}
                  pipeline:
                    - window: {keyBy: k, tumbling: 10s, aggregate: {n: count(), total: sum(v)}}
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                  processingGuarantee: at_least_once
                  tracing: {endpoint: "%s", sampleRatio: 1}
                """.formatted(name, in, servers.endpoints().kinesis().orElseThrow(), out, dlq, collector.endpoint()));

        TraceParent incoming = sampledContext();
        Input a1 = new Input(0, "{\"k\":\"a\",\"v\":1,\"t\":1000,\"" + FIELD + "\":\"" + incoming.header() + "\"}");
        Input a2 = new Input(0, "{\"k\":\"a\",\"v\":2,\"t\":2000}");
        Input a3 = new Input(1, "{\"k\":\"a\",\"v\":3,\"t\":3000}");
        Input b1 = new Input(1, "{\"k\":\"b\",\"v\":4,\"t\":4000}");
        Input malformed = new Input(0, "not json");
        // move the watermark past the windows above on both shards; their own window stays open
        Input later0 = new Input(0, "{\"k\":\"z\",\"v\":0,\"t\":100000}");
        Input later1 = new Input(1, "{\"k\":\"z\",\"v\":0,\"t\":100000}");
        List<Shard> shards = servers.openShards(in);
        Map<Input, Put> puts = new LinkedHashMap<>();
        for (Input input : List.of(a1, a2, a3, b1, malformed, later0, later1)) {
            puts.put(input, put(in, shards.get(input.shard()), input.payload()));
        }

        Process process = ServeProcesses.serveKinesis(tmp, job, tmp.resolve("state"), ServeProcesses.freePort(),
                "runtime", servers).start();
        List<Map<String, Object>> windows = new ArrayList<>();
        List<Map<String, Object>> deadLetters = new ArrayList<>();
        try {
            await("windows a and b on the sink, the malformed record on the dead-letter stream")
                    .atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        windows.clear();
                        windows.addAll(servers.jsonRecords(out));
                        deadLetters.clear();
                        deadLetters.addAll(servers.jsonRecords(dlq));
                        return windows.size() >= 2 && deadLetters.size() >= 1;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(windows + "\n" + deadLetters + "\n" + logs(), e);
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        List<Span> spans = collector.awaitSpans("7 process, 1 dead-letter and 2 window spans", SPAN_TIMEOUT,
                s -> named(s, SpanAttributes.PROCESS).size() >= 7
                        && named(s, SpanAttributes.DEAD_LETTER).size() >= 1
                        && named(s, SpanAttributes.WINDOW).size() >= 2);
        String context = "\nspans: " + spans + "\ncollector:\n" + collector.log() + "\nruntime:\n" + logs();

        List<Span> processes = named(spans, SpanAttributes.PROCESS);
        assertEquals(7, processes.size(), "one process span per record at sampleRatio 1" + context);
        Map<Input, Span> processOf = new LinkedHashMap<>();
        for (Map.Entry<Input, Put> put : puts.entrySet()) {
            Span span = processes.stream()
                    .filter(s -> put.getValue().sequenceNumber().equals(s.attribute("messaging.message.id")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no process span of " + put + context));
            assertEquals("process " + in, span.name());
            assertEquals(OtelCollector.KIND_CONSUMER, span.kind());
            assertEquals("aws_kinesis", span.attribute("messaging.system"));
            assertEquals(in, span.attribute("messaging.destination.name"));
            assertEquals(put.getValue().shardId(), span.attribute("messaging.destination.partition.id"));
            assertEquals("weir-" + name, span.attribute("messaging.consumer.group.name"),
                    "the consumer group is the KCL application, the lease table's name");
            assertEquals(name, span.resource().get("service.name"));
            processOf.put(put.getKey(), span);
        }
        assertEquals(incoming.traceId(), processOf.get(a1).traceId(), "the payload field's context is continued");
        assertEquals(incoming.spanId(), processOf.get(a1).parentSpanId());
        assertEquals("", processOf.get(a2).parentSpanId(), "a record without a context starts a trace");
        assertNotEquals(incoming.traceId(), processOf.get(a2).traceId());

        List<Span> deadLetterSpans = named(spans, SpanAttributes.DEAD_LETTER);
        assertEquals(1, deadLetterSpans.size(), context);
        Span deadLetter = deadLetterSpans.get(0);
        assertEquals("malformed", deadLetter.attribute("error.type"));
        assertEquals(OtelCollector.STATUS_ERROR, deadLetter.statusCode());
        assertTrue(!deadLetter.statusMessage().isEmpty(), deadLetter.toString());
        assertEquals(processOf.get(malformed).spanId(), deadLetter.parentSpanId());
        assertEquals(dlq, deadLetter.attribute("messaging.destination.name"));
        assertEquals("aws_kinesis", deadLetter.attribute("messaging.system"));

        List<Span> windowSpans = named(spans, SpanAttributes.WINDOW);
        assertEquals(2, windowSpans.size(), "windows a and b closed; z's is open" + context);
        Span windowA = windowSpan(windowSpans, "a", "1970-01-01T00:00:00Z");
        Span windowB = windowSpan(windowSpans, "b", "1970-01-01T00:00:00Z");
        assertEquals(Set.of(processOf.get(a1).continuation(), processOf.get(a2).continuation(),
                        processOf.get(a3).continuation()),
                windowA.linkHeaders(), "the window links exactly its inputs" + context);
        assertEquals(3L, windowA.attribute("weir.window.traced_inputs"));
        assertEquals(Set.of(processOf.get(b1).continuation()), windowB.linkHeaders());
        assertEquals(1L, windowB.attribute("weir.window.traced_inputs"));
        assertEquals("", windowA.parentSpanId(), "a window starts a trace of its own");
        assertEquals(out, windowA.attribute("messaging.destination.name"));
        assertEquals("aws_kinesis", windowA.attribute("messaging.system"));

        Map<String, Object> sinkA = windowRecord(windows, "a");
        assertEquals(windowA.continuation(), sinkA.get(FIELD), "the sink record continues the window span: " + sinkA);
        assertEquals(3L, sinkA.get("n"));
        assertEquals(windowB.continuation(), windowRecord(windows, "b").get(FIELD));
        assertEquals(1, deadLetters.size(), deadLetters.toString());
        assertEquals(deadLetter.continuation(), deadLetters.get(0).get(FIELD),
                "the dead letter carries its span's context: " + deadLetters.get(0));
    }

    private static Put put(String stream, Shard shard, String payload) {
        PutRecordResponse response = KinesisServers.call("putting a record", () -> servers.clients().kinesis()
                .putRecord(request -> request.streamName(stream).partitionKey("p")
                        .explicitHashKey(shard.hashKeyRange().startingHashKey())
                        .data(SdkBytes.fromUtf8String(payload))));
        return new Put(response.shardId(), response.sequenceNumber());
    }

    private String logs() {
        try {
            return Files.readString(tmp.resolve("runtime.log")) + Files.readString(tmp.resolve("runtime.log.out"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static Map<String, Object> windowRecord(List<Map<String, Object>> windows, String key) {
        return windows.stream().filter(w -> key.equals(w.get("k"))).findFirst()
                .orElseThrow(() -> new AssertionError("no window of " + key + " in " + windows));
    }

}

package dev.weir.runtime.app;

import static dev.weir.runtime.app.ServeProcesses.createJobTopics;
import static dev.weir.runtime.testing.OtelCollector.named;
import static dev.weir.runtime.testing.OtelCollector.sampledContext;
import static dev.weir.runtime.testing.OtelCollector.windowSpan;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.runtime.kafka.EndOfInput;
import dev.weir.runtime.pipeline.DeadLetters;
import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.TraceParent;
import dev.weir.runtime.testing.KafkaBroker;
import dev.weir.runtime.testing.OtelCollector.Span;
import dev.weir.runtime.testing.OtelCollector;
import dev.weir.runtime.tracing.JobTracing;
import dev.weir.runtime.tracing.SpanAttributes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged runtime in pod mode traces to a real OpenTelemetry Collector on loopback (docs/tracing.md). With
 * {@code sampleRatio: 0}, only the records that arrive with a sampled {@code traceparent} are traced, so the test
 * knows every span to expect: their process spans continue the incoming traces, dead letters (malformed, bad event
 * time, and late — whose context crossed the keyed topic) get error spans, a filtered record an event, and each
 * window a span linking exactly its traced inputs, whose context the window's sink record carries. No record the job
 * writes carries an incoming traceparent on.
 */
@ExtendWith(KafkaBroker.class)
class TracingIT {
    private static final int PARTITIONS = 2;
    private static final Duration SPAN_TIMEOUT = Duration.ofSeconds(90);
    private static final String POD = "traced-0";
    private static final String GENERATION = "7";

    @RegisterExtension
    static final OtelCollector collector = new OtelCollector();

    @TempDir
    Path tmp;

    /** A record to send: its partition, payload and incoming traceparent (null for none). */
    private record Input(int partition, String payload, TraceParent incoming) {}

    @Test
    void tracesSampledRecordsTheirDeadLettersAndWindows(KafkaBroker kafka) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String source = "traced-in-" + id;
        String sink = "traced-out-" + id;
        String dlq = "traced-dlq-" + id;
        String name = "traced-" + id;
        String bootstrap = kafka.bootstrapServers();
        createJobTopics(bootstrap, source, PARTITIONS, sink, dlq);
        Path job = tmp.resolve("job.yaml");
        Files.writeString(job, """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s}
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  eventTime: {field: t, idleTimeout: 1h}
                  pipeline:
                    - filter: "v >= 0"
                    - window: {keyBy: k, tumbling: 10s, aggregate: {n: count(), total: sum(v)}}
                  sink: {kafka: {topic: %s}}
                  deadLetter: {kafka: {topic: %s}}
                  tracing: {endpoint: "%s", sampleRatio: 0}
                """.formatted(name, bootstrap, source, sink, dlq, collector.endpoint()));

        TraceParent a1 = sampledContext();
        TraceParent a2 = sampledContext();
        TraceParent b10 = sampledContext();
        TraceParent filtered = sampledContext();
        TraceParent malformed = sampledContext();
        TraceParent noTime = sampledContext();
        TraceParent late = sampledContext();
        TraceParent notSampled = new TraceParent(sampledContext().traceId(), sampledContext().spanId(), false);
        List<Input> windowed = List.of(
                new Input(0, "{\"k\":\"a\",\"v\":1,\"t\":1000}", a1),
                new Input(0, "{\"k\":\"a\",\"v\":2,\"t\":2000}", null),
                new Input(1, "{\"k\":\"a\",\"v\":3,\"t\":3000}", a2),
                new Input(1, "{\"k\":\"b\",\"v\":4,\"t\":4000}", notSampled),
                new Input(0, "{\"k\":\"b\",\"v\":5,\"t\":12000}", b10),
                new Input(1, "{\"k\":\"b\",\"v\":-1,\"t\":13000}", filtered),
                new Input(0, "not json", malformed),
                new Input(1, "{\"k\":\"a\",\"v\":6,\"t\":15000}", null),
                new Input(1, "{\"k\":\"c\",\"v\":1}", noTime),
                // move the watermark past the windows above on both partitions
                new Input(0, "{\"k\":\"z\",\"v\":0,\"t\":100000}", null),
                new Input(1, "{\"k\":\"z\",\"v\":0,\"t\":100000}", null));

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                     ConsumerConfig.GROUP_ID_CONFIG, "reader-" + id), new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(sink, dlq));
            ProcessBuilder runtime = ServeProcesses.serve(tmp, job, tmp.resolve("state"), ServeProcesses.freePort(),
                    "runtime");
            runtime.environment().put("POD_NAME", POD);
            runtime.environment().put(JobTracing.JOB_GENERATION_ENV, GENERATION);
            Process process = runtime.start();
            List<ConsumerRecord<byte[], byte[]>> windows = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
            int[] ends = {0, 0};
            try {
                send(producer, source, windowed);
                await("the first four windows").atMost(Duration.ofSeconds(120))
                        .until(() -> read(consumer, sink, windows, deadLetters, ends) && windows.size() >= 4);
                // every window of key a up to 20s has closed, so this record is late at its window task
                send(producer, source, List.of(new Input(0, "{\"k\":\"a\",\"v\":7,\"t\":5000}", late)));
                for (int p = 0; p < PARTITIONS; p++) {
                    producer.send(new ProducerRecord<>(source, p, null, null, new byte[0], EndOfInput.headers()));
                }
                producer.flush();
                await("the end of input on the sink and the dead letters").atMost(Duration.ofSeconds(120))
                        .until(() -> read(consumer, sink, windows, deadLetters, ends)
                                && ends[0] >= PARTITIONS && ends[1] >= PARTITIONS);
            } finally {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            String log = Files.readString(tmp.resolve("runtime.log.out"));

            List<Span> spans = collector.awaitSpans("7 process, 3 dead-letter and 2 window spans", SPAN_TIMEOUT,
                    s -> named(s, SpanAttributes.PROCESS).size() >= 7
                            && named(s, SpanAttributes.DEAD_LETTER).size() >= 3
                            && named(s, SpanAttributes.WINDOW).size() >= 2);
            String context = "\nspans: " + spans + "\ncollector:\n" + collector.log() + "\nruntime:\n" + log;

            List<Span> processes = named(spans, SpanAttributes.PROCESS);
            assertEquals(7, processes.size(), "one process span per traced record" + context);
            Map<TraceParent, Span> processOf = new LinkedHashMap<>();
            for (TraceParent incoming : List.of(a1, a2, b10, filtered, malformed, noTime, late)) {
                Span span = processes.stream().filter(s -> s.traceId().equals(incoming.traceId())).findFirst()
                        .orElseThrow(() -> new AssertionError("no process span continues " + incoming + context));
                assertEquals(incoming.spanId(), span.parentSpanId(), "the incoming span is the parent" + context);
                assertEquals(OtelCollector.KIND_CONSUMER, span.kind());
                assertEquals("kafka", span.attribute("messaging.system"));
                assertEquals(source, span.attribute("messaging.destination.name"));
                assertEquals("weir-" + name, span.attribute("messaging.consumer.group.name"));
                processOf.put(incoming, span);
            }
            assertEquals("0", processOf.get(a1).attribute("messaging.destination.partition.id"));
            assertEquals("1", processOf.get(a2).attribute("messaging.destination.partition.id"));
            assertEquals(0L, processOf.get(a1).attribute("messaging.kafka.offset"));
            assertEquals(List.of(SpanAttributes.FILTERED_EVENT),
                    processOf.get(filtered).events().stream().map(OtelCollector.Event::name).toList());
            assertEquals(List.of(), processOf.get(a1).events());
            Span resourceHolder = processOf.get(a1);
            assertEquals(name, resourceHolder.resource().get("service.name"));
            assertEquals(POD, resourceHolder.resource().get("k8s.pod.name"));
            assertEquals(Long.parseLong(GENERATION), resourceHolder.resource().get("weir.job.generation"));

            Map<String, Span> deadLetterSpans = named(spans, SpanAttributes.DEAD_LETTER).stream()
                    .collect(Collectors.toMap(s -> (String) s.attribute("error.type"), s -> s));
            assertEquals(Set.of("malformed", "bad_event_time", "late"), deadLetterSpans.keySet(), context);
            assertEquals(processOf.get(malformed).spanId(), deadLetterSpans.get("malformed").parentSpanId());
            assertEquals(processOf.get(noTime).spanId(), deadLetterSpans.get("bad_event_time").parentSpanId());
            // the late record's context crossed the keyed topic to its window task
            assertEquals(processOf.get(late).spanId(), deadLetterSpans.get("late").parentSpanId());
            assertEquals(late.traceId(), deadLetterSpans.get("late").traceId());
            for (Span deadLetter : deadLetterSpans.values()) {
                assertEquals(OtelCollector.STATUS_ERROR, deadLetter.statusCode(), deadLetter.toString());
                assertTrue(!deadLetter.statusMessage().isEmpty(), deadLetter.toString());
                assertEquals(dlq, deadLetter.attribute("messaging.destination.name"));
            }

            List<Span> windowSpans = named(spans, SpanAttributes.WINDOW);
            assertEquals(2, windowSpans.size(), "only windows with traced inputs are traced at ratio 0" + context);
            Span windowA = windowSpan(windowSpans, "a", "1970-01-01T00:00:00Z");
            Span windowB = windowSpan(windowSpans, "b", "1970-01-01T00:00:10Z");
            assertEquals(Set.of(processOf.get(a1).continuation(), processOf.get(a2).continuation()),
                    windowA.linkHeaders(),
                    "the window links exactly its traced inputs" + context);
            assertEquals(2L, windowA.attribute("weir.window.traced_inputs"));
            assertEquals(Set.of(processOf.get(b10).continuation()), windowB.linkHeaders());
            assertEquals(1L, windowB.attribute("weir.window.traced_inputs"));
            assertEquals("", windowA.parentSpanId(), "a window starts a trace of its own");
            assertEquals(sink, windowA.attribute("messaging.destination.name"));

            Map<String, String> sinkHeaders = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> w : windows) {
                Map<String, Object> value = Json.parseObject(w.value());
                sinkHeaders.put(value.get("k") + "@" + value.get("window_start"), traceparent(w));
            }
            assertEquals(5, sinkHeaders.size(), "windows a and b at 0s and 10s, and z: " + sinkHeaders);
            assertEquals(windowA.continuation(), sinkHeaders.get("a@1970-01-01T00:00:00Z"),
                    "the sink record continues the window span");
            assertEquals(windowB.continuation(), sinkHeaders.get("b@1970-01-01T00:00:10Z"));
            assertNull(sinkHeaders.get("b@1970-01-01T00:00:00Z"), "its only input came with an unsampled context");
            assertNull(sinkHeaders.get("a@1970-01-01T00:00:10Z"), "no traced input");

            assertEquals(3, deadLetters.size(), "malformed, bad event time, late: " + deadLetters);
            for (ConsumerRecord<byte[], byte[]> d : deadLetters) {
                String reason = (String) Json.parseObject(d.value()).get("reason");
                assertEquals(deadLetterSpans.get(reason).continuation(), traceparent(d),
                        "the dead letter carries its span's context, not the incoming one");
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<Input> inputs) {
        for (Input input : inputs) {
            RecordHeaders headers = new RecordHeaders();
            if (input.incoming() != null) {
                headers.add(TraceParent.HEADER, input.incoming().header().getBytes(StandardCharsets.UTF_8));
            }
            producer.send(new ProducerRecord<>(topic, input.partition(), null, null,
                    input.payload().getBytes(StandardCharsets.UTF_8), headers));
        }
        producer.flush();
    }

    /** One poll into windows and dead letters, counting the end-of-input markers of each; always true. */
    private static boolean read(KafkaConsumer<byte[], byte[]> consumer, String sink,
                                List<ConsumerRecord<byte[], byte[]>> windows,
                                List<ConsumerRecord<byte[], byte[]>> deadLetters, int[] ends) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            boolean toSink = r.topic().equals(sink);
            if (EndOfInput.isMarked(r.headers())) {
                ends[toSink ? 0 : 1]++;
            } else {
                (toSink ? windows : deadLetters).add(r);
            }
        }
        return true;
    }

    private static String traceparent(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(TraceParent.HEADER);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

}

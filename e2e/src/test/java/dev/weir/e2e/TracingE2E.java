package dev.weir.e2e;

import static dev.weir.e2e.SensorReadings.EXAMPLE;
import static dev.weir.e2e.SensorReadings.reading;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.api.StreamJob;
import dev.weir.api.TracingSpec;
import dev.weir.operator.dependents.Labels;
import dev.weir.runtime.pipeline.TraceParent;
import dev.weir.runtime.testing.OtelCollector;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.tracing} end to end: the sensor example traced at ratio 1 to a collector the test reads; a window's span
 * links its readings', a dead letter has its span under its reading's, and the sink record continues the window's
 * trace. Only where the pods reach a collector the test runs (the local harness; not kind).
 */
class TracingE2E extends PlatformScenario {
    static final String TRACED_JOB = "traced-aggregates";
    static final String TRACED_SOURCE = "traced-readings";
    static final String TRACED_SINK = "traced-aggregates";
    static final String TRACED_DEAD_LETTER = "traced-readings-dlq";

    @Test
    void aTracedWindowLinksItsReadingsTheDeadLetterHasItsSpanAndTheSinkRecordContinuesTheWindow() throws Exception {
        assumeTrue(platform.collector().isPresent(), "no collector the test can read on this cluster");
        OtelCollector collector = platform.collector().orElseThrow();
        for (String topic : List.of(TRACED_SOURCE, TRACED_SINK, TRACED_DEAD_LETTER)) {
            kafka().create(topic, 1);
        }
        StreamJob job = client().resources(StreamJob.class).load(EXAMPLE.toFile()).item();
        job.getMetadata().setName(TRACED_JOB);
        job.getMetadata().setNamespace(NAMESPACE);
        job.getSpec().source.kafka.bootstrapServers = platform.podBootstrapServers();
        job.getSpec().source.kafka.topic = TRACED_SOURCE;
        job.getSpec().sink.kafka.topic = TRACED_SINK;
        job.getSpec().deadLetter.kafka.topic = TRACED_DEAD_LETTER;
        job.getSpec().tracing = new TracingSpec();
        job.getSpec().tracing.endpoint = collector.endpoint();
        job.getSpec().tracing.sampleRatio = 1.0;
        StreamJob created = client().resource(job).create();
        // offsets 0 and 1 make the first window of s1, 2 is a dead letter, 3 closes the window
        kafka().produce(TRACED_SOURCE, List.of(reading("s1", 0, Duration.ofMinutes(1), 68.0),
                reading("s1", 0, Duration.ofMinutes(2), 71.6), "not json", reading("s1", 2, Duration.ZERO, 50.0)));

        String traceparent = await().atMost(POD_TIMEOUT).until(() -> {
            KafkaTopics.Contents sink = kafka().read(TRACED_SINK, QUIET);
            return sink.traceparents().isEmpty() ? null : sink.traceparents().get(0);
        }, Objects::nonNull);
        TraceParent windowContext = TraceParent.parse(traceparent);
        List<OtelCollector.Span> spans = collector.awaitSpans("the window's span, its readings' and the dead letter's",
                POD_TIMEOUT, s -> s.stream().anyMatch(span -> span.spanId().equals(windowContext.spanId()))
                        && s.stream().filter(span -> span.name().startsWith("dead_letter ")).count() == 1);
        Map<Long, OtelCollector.Span> processByOffset = new LinkedHashMap<>();
        spans.stream().filter(span -> span.name().equals("process " + TRACED_SOURCE))
                .forEach(span -> processByOffset.put((Long) span.attribute("messaging.kafka.offset"), span));
        OtelCollector.Span window = spans.stream().filter(span -> span.spanId().equals(windowContext.spanId()))
                .findFirst().orElseThrow();
        assertEquals("window " + TRACED_SINK, window.name());
        assertEquals(windowContext.traceId(), window.traceId(), "the sink record continues the window's trace");
        assertEquals(Set.of(processByOffset.get(0L).spanId(), processByOffset.get(1L).spanId()),
                window.links().stream().map(OtelCollector.Link::spanId).collect(Collectors.toSet()),
                () -> "the window links its two readings: " + spans);
        OtelCollector.Span deadLetter = spans.stream().filter(span -> span.name().startsWith("dead_letter "))
                .findFirst().orElseThrow();
        assertEquals("malformed", deadLetter.attribute("error.type"));
        assertEquals(processByOffset.get(2L).spanId(), deadLetter.parentSpanId());
        Map<String, Object> resource = window.resource();
        assertEquals(List.of(TRACED_JOB, NAMESPACE, TRACED_JOB + "-0", created.getMetadata().getGeneration()),
                List.of(resource.get("service.name"), resource.get("k8s.namespace.name"), resource.get("k8s.pod.name"),
                        resource.get("weir.job.generation")), "the pod's resource, its generation from the operator");

        client().resource(client().resources(StreamJob.class).inNamespace(NAMESPACE).withName(TRACED_JOB).get())
                .delete();
        await().atMost(GONE_TIMEOUT).until(() -> client().pods().inNamespace(NAMESPACE)
                .withLabel(Labels.INSTANCE, TRACED_JOB).list().getItems().isEmpty());
    }
}

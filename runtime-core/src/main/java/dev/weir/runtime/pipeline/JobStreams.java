package dev.weir.runtime.pipeline;

import dev.weir.api.StreamJobSpec;

/**
 * The names of a job's source, sink and dead-letter sink, whichever system each is on: a Kafka topic or a Kinesis
 * stream. For what does not depend on the engine (spans, logs, dead letters' {@code source}).
 */
public record JobStreams(String source, String sink, String deadLetter) {
    public static JobStreams of(StreamJobSpec spec) {
        return new JobStreams(
                spec.source.kafka != null ? spec.source.kafka.topic : spec.source.kinesis.stream,
                spec.sink.kafka != null ? spec.sink.kafka.topic : spec.sink.kinesis.stream,
                spec.deadLetter.kafka != null ? spec.deadLetter.kafka.topic : spec.deadLetter.kinesis.stream);
    }
}

package dev.weir.runtime.kafka;

import dev.weir.api.StreamJobSpec;

/** The Kafka names a job uses. Internal names are constants the tests import. */
public record JobTopics(String source, String sink, String deadLetter) {
    /** Name of the keyed repartition topic; Kafka Streams prefixes it with the application id. */
    public static final String KEYED = "weir-keyed";
    /** The window state store. */
    public static final String WINDOW_STORE = "weir-windows";
    /** Header that marks a control record; its value says which. */
    public static final String CONTROL_HEADER = "weir-control";
    /** The control record that ends the input of {@code weir run --input}. */
    public static final String END_OF_INPUT = "end-of-input";

    public static JobTopics of(StreamJobSpec spec) {
        return new JobTopics(spec.source.kafka.topic, spec.sink.kafka.topic, spec.deadLetter.kafka.topic);
    }

    /** The keyed topic's full name for an application id. */
    public static String keyedTopic(String applicationId) {
        return applicationId + "-" + KEYED + "-repartition";
    }
}

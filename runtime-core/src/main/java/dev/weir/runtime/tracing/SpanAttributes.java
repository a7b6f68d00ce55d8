package dev.weir.runtime.tracing;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The attributes of Weir's spans: the OpenTelemetry semantic conventions' (messaging, error, resource; v1.37, whose
 * messaging attributes the SDK ships only in an incubating artifact) and Weir's own, under {@code weir.}.
 */
public final class SpanAttributes {
    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    public static final AttributeKey<Long> KAFKA_OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    /** A Kinesis record's sequence number, which identifies it in its stream. */
    public static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    public static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    public static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** The window's key value (as JSON text unless a string), start and end (ISO-8601). */
    public static final AttributeKey<String> WINDOW_KEY = AttributeKey.stringKey("weir.window.key");
    public static final AttributeKey<String> WINDOW_START = AttributeKey.stringKey("weir.window.start");
    public static final AttributeKey<String> WINDOW_END = AttributeKey.stringKey("weir.window.end");
    /** How many traced records the window aggregated; its span links the first {@code WindowInputs.MAX_LINKS}. */
    public static final AttributeKey<Long> WINDOW_TRACED_INPUTS = AttributeKey.longKey("weir.window.traced_inputs");

    public static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    public static final AttributeKey<String> K8S_NAMESPACE = AttributeKey.stringKey("k8s.namespace.name");
    public static final AttributeKey<String> K8S_POD = AttributeKey.stringKey("k8s.pod.name");
    /** The StreamJob's metadata.generation the pod runs. */
    public static final AttributeKey<Long> JOB_GENERATION = AttributeKey.longKey("weir.job.generation");

    /** The messaging system of the Kafka engine. */
    public static final String KAFKA = "kafka";
    /**
     * The messaging system of the Kinesis engine: not among the conventions' well-known values (v1.37), so a value of
     * our own in their style ({@code aws_sqs}).
     */
    public static final String AWS_KINESIS = "aws_kinesis";
    /** Operation names, the first word of each span's name. */
    public static final String PROCESS = "process";
    public static final String WINDOW = "window";
    public static final String DEAD_LETTER = "dead_letter";
    /** The event on a process span whose record a filter dropped. */
    public static final String FILTERED_EVENT = "weir.filtered";

    private SpanAttributes() {}
}

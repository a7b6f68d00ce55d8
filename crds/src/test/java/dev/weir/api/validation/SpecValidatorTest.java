package dev.weir.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.api.CheckpointSpec;
import dev.weir.api.CheckpointsStatus;
import dev.weir.api.KinesisLayout;
import dev.weir.api.ScalingSpec;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.StreamJobStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The example of docs/architecture.md. */
    private static final String VALID = """
            source:
              kafka: {bootstrapServers: "kafka:9092", topic: sensor-readings, startingOffsets: earliest}
            eventTime: {field: event_time}
            pipeline:
              - filter: "temperature > -50.0"
              - map: {sensor_id: "sensor_id", temp_c: "(temperature - 32.0) * 5.0 / 9.0"}
              - window:
                  keyBy: sensor_id
                  tumbling: 10m
                  allowedLateness: 30s
                  aggregate: {avg_c: avg(temp_c), max_c: max(temp_c), readings: count()}
            sink: {kafka: {topic: sensor-aggregates}}
            deadLetter: {kafka: {topic: sensor-readings-dlq}}
            processingGuarantee: exactly_once
            checkpoints: {location: "s3://bucket/prefix", interval: 30s}
            scaling: {minReplicas: 0, maxReplicas: 12, maxLagSeconds: 30}
            tracing: {endpoint: "http://otel-collector:4317", sampleRatio: 0.1}
            suspend: false
            """;

    private static List<String> errors(String yaml) throws Exception {
        return SpecValidator.validate(YAML.readValue(yaml, StreamJobSpec.class)).stream()
                .map(ValidationError::toString).toList();
    }

    /** The valid spec with {@code part} replaced by {@code replacement}. */
    private static List<String> errorsWith(String part, String replacement) throws Exception {
        assertTrue(VALID.contains(part), part);
        return errors(VALID.replace(part, replacement));
    }

    @Test
    void theArchitectureExampleIsValid() throws Exception {
        assertEquals(List.of(), errors(VALID));
    }

    @Test
    void aMissingSpecIsReported() {
        assertEquals(List.of(new ValidationError("spec", "is required: give at least source, sink and deadLetter")),
                SpecValidator.validate((StreamJobSpec) null));
    }

    @Test
    void errorToStringIsFieldColonMessage() {
        assertEquals("spec.pipeline[1].window.hopping.advance: must be ≤ size",
                new ValidationError("spec.pipeline[1].window.hopping.advance", "must be ≤ size").toString());
    }

    @Test
    void sourceSinkAndDeadLetterAreRequired() throws Exception {
        assertEquals(List.of(
                "spec.source: is required: give kafka (bootstrapServers, topic) or kinesis (stream, region)",
                "spec.sink: is required: results go there; give kafka (topic) or kinesis (stream)",
                "spec.deadLetter: is required: bad and late records go there; give kafka (topic) or kinesis (stream)"),
                errors("pipeline: []"));
    }

    @Test
    void sourceHasExactlyOneKind() throws Exception {
        assertEquals(List.of("spec.source: give one of kafka (bootstrapServers, topic) or kinesis (stream, region)"),
                errorsWith("kafka: {bootstrapServers: \"kafka:9092\", topic: sensor-readings, startingOffsets: earliest}",
                        "{}"));
        assertEquals(List.of("spec.source: give exactly one of kafka (bootstrapServers, topic) or kinesis (stream,"
                + " region), not several"), errorsWith("startingOffsets: earliest}",
                "startingOffsets: earliest}\n  kinesis: {stream: s, region: eu-west-1}"));
    }

    @Test
    void kafkaSourceNeedsBrokersAndTopic() throws Exception {
        assertEquals(List.of(
                "spec.source.kafka.bootstrapServers: is required: give the brokers as a host:port list, e.g. kafka:9092",
                "spec.source.kafka.topic: is required: give the topic to read"),
                errorsWith("bootstrapServers: \"kafka:9092\", topic: sensor-readings", "topic: \" \""));
    }

    @Test
    void kinesisSourceNeedsStreamAndRegion() throws Exception {
        String kinesis = VALID.replace(
                "kafka: {bootstrapServers: \"kafka:9092\", topic: sensor-readings, startingOffsets: earliest}",
                "kinesis: {endpoint: \"localhost:4567\"}")
                .replace("processingGuarantee: exactly_once", "processingGuarantee: at_least_once");
        assertEquals(List.of(
                "spec.source.kinesis.stream: is required: give the Kinesis stream to read",
                "spec.source.kinesis.region: is required: give the stream's AWS region, e.g. eu-west-1",
                "spec.source.kinesis.endpoint: \"localhost:4567\" is not an http:// or https:// URL: use e.g."
                        + " https://kinesis.eu-west-1.amazonaws.com",
                "spec.sink.kafka.bootstrapServers: is required when the source is not Kafka: give the brokers as a"
                        + " host:port list, e.g. kafka:9092",
                "spec.deadLetter.kafka.bootstrapServers: is required when the source is not Kafka: give the brokers as"
                        + " a host:port list, e.g. kafka:9092",
                "spec.sink.kafka: a Kinesis source writes to Kinesis: the Kinesis engine has no Kafka producer yet;"
                        + " give spec.sink.kinesis (stream)",
                "spec.deadLetter.kafka: a Kinesis source writes to Kinesis: the Kinesis engine has no Kafka producer"
                        + " yet; give spec.deadLetter.kinesis (stream)"),
                errors(kinesis));
    }

    @Test
    void sinksNeedTheirTopicOrStreamAndMustNotBeTheSource() throws Exception {
        assertEquals(List.of(
                "spec.sink.kafka.topic: is the source topic, so results would be read again by the job: use another"
                        + " topic",
                "spec.deadLetter: give exactly one of kafka (topic) or kinesis (stream), not several"),
                errorsWith("sink: {kafka: {topic: sensor-aggregates}}\ndeadLetter: {kafka: {topic: sensor-readings-dlq}}",
                        "sink: {kafka: {topic: sensor-readings}}\n"
                                + "deadLetter: {kafka: {topic: d}, kinesis: {stream: d}}"));
        assertEquals(List.of(
                "spec.sink.kinesis.stream: is required: give the Kinesis stream results are written to",
                "spec.sink.kinesis.region: is required when the source is not Kinesis: give the stream's AWS region,"
                        + " e.g. eu-west-1",
                "spec.deadLetter.kafka.topic: is required: give the topic bad and late records are written to",
                "spec.sink.kinesis: a Kafka source writes to Kafka: the Kafka engine has no Kinesis sink yet; give"
                        + " spec.sink.kafka (topic)",
                "spec.processingGuarantee: exactly_once needs Kafka for source, sink and deadLetter (it rests on Kafka"
                        + " transactions, which Kinesis lacks): use at_least_once, or Kafka throughout"),
                errorsWith("sink: {kafka: {topic: sensor-aggregates}}\ndeadLetter: {kafka: {topic: sensor-readings-dlq}}",
                        "sink: {kinesis: {}}\ndeadLetter: {kafka: {}}"));
        assertEquals(List.of("spec.sink.kafka.bootstrapServers: must be the source's brokers (kafka:9092) or absent:"
                        + " a job reads and writes one Kafka cluster"),
                errorsWith("sink: {kafka: {topic: sensor-aggregates}}",
                        "sink: {kafka: {topic: sensor-readings, bootstrapServers: \"other:9092\"}}"));
    }

    @Test
    void eventTimeNeedsAFieldAndAPositiveIdleTimeout() throws Exception {
        assertEquals(List.of(
                "spec.eventTime.field: is required: give the record field holding the event time (epoch milliseconds"
                        + " or ISO-8601); remove eventTime to use the source record's timestamp",
                "spec.eventTime.idleTimeout: must be more than 0s: use a number with a unit, e.g. 500ms, 30s, 10m, 1h"
                        + " or 1h30m"),
                errorsWith("eventTime: {field: event_time}", "eventTime: {idleTimeout: 0s}"));
        assertEquals(List.of("spec.eventTime.idleTimeout: invalid duration \"30\": use a number with a unit, e.g."
                        + " 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)"),
                errorsWith("eventTime: {field: event_time}", "eventTime: {field: t, idleTimeout: 30}"));
        assertEquals(List.of("spec.eventTime.maxAhead: must be more than 0s: use a number with a unit, e.g. 500ms, 30s,"
                        + " 10m, 1h or 1h30m"),
                errorsWith("eventTime: {field: event_time}", "eventTime: {field: t, maxAhead: 0s, unit: seconds}"));
        assertEquals(List.of(), errorsWith("eventTime: {field: event_time}",
                "eventTime: {field: t, maxAhead: 24h, unit: millis}"));
    }

    @Test
    void eachStepHasExactlyOneKind() throws Exception {
        assertEquals(List.of(
                "spec.pipeline[0]: give exactly one of filter, map or window, not several",
                "spec.pipeline[1]: give one of filter, map or window"),
                errorsWith("  - filter: \"temperature > -50.0\"\n  - map:",
                        "  - {filter: \"x > 1\", map: {a: b}}\n  - {}\n  - map:"));
    }

    @Test
    void filtersCompileAndYieldBool() throws Exception {
        assertEquals(List.of("spec.pipeline[0].filter: \"temperature >\" does not compile: mismatched input '<EOF>'"
                        + " expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT,"
                        + " NUM_UINT, STRING, BYTES, IDENTIFIER} (column 14)"),
                errorsWith("filter: \"temperature > -50.0\"", "filter: \"temperature >\""));
        assertEquals(List.of("spec.pipeline[0].filter: \"temperature + 1.0\" yields double, but a filter must yield"
                        + " bool: write a condition, e.g. temperature > 0.0"),
                errorsWith("filter: \"temperature > -50.0\"", "filter: \"temperature + 1.0\""));
        assertEquals(List.of("spec.pipeline[0].filter: the expression is empty: write a CEL expression such as"
                        + " temperature > 0.0"),
                errorsWith("filter: \"temperature > -50.0\"", "filter: \"\""));
    }

    @Test
    void mapsNameValidFieldsWithCompilingExpressions() throws Exception {
        assertEquals(List.of(
                "spec.pipeline[1].map.sensor-id: \"sensor-id\" is not a valid field name: use letters, digits and _,"
                        + " not starting with a digit and not a CEL keyword, so later steps can read it as a variable",
                "spec.pipeline[1].map.in: \"in\" is not a valid field name: use letters, digits and _, not starting"
                        + " with a digit and not a CEL keyword, so later steps can read it as a variable",
                "spec.pipeline[1].map.temp_c: \"median(t)\" does not compile: undeclared reference to 'median' (in"
                        + " container '') (column 7)",
                "spec.pipeline[2].window.keyBy: \"sensor_id\" is not a field of the records here: spec.pipeline[1].map"
                        + " makes records with exactly sensor-id, in, temp_c; key by one of them, or add sensor_id to"
                        + " that map"),
                errorsWith("map: {sensor_id: \"sensor_id\", temp_c: \"(temperature - 32.0) * 5.0 / 9.0\"}",
                        "map: {sensor-id: \"sensor_id\", in: \"1\", temp_c: \"median(t)\"}"));
        assertEquals(List.of("spec.pipeline[1].map: is empty: list output field: CEL expression pairs, e.g. temp_c:"
                        + " (temperature - 32.0) / 1.8; the new record has exactly these fields"),
                errorsWith("map: {sensor_id: \"sensor_id\", temp_c: \"(temperature - 32.0) * 5.0 / 9.0\"}", "map: {}"));
    }

    @Test
    void windowsNeedAKeyOneShapeAndAggregates() throws Exception {
        assertEquals(List.of(
                "spec.pipeline[2].window.keyBy: is required: give the field whose value groups records, e.g. sensor_id",
                "spec.pipeline[2].window: give exactly one of tumbling, hopping or session, not several",
                "spec.pipeline[2].window.aggregate: is required: list output field: aggregate pairs, e.g. readings:"
                        + " count(), avg_c: avg(temp_c)"),
                errorsWith("keyBy: sensor_id\n      tumbling: 10m\n      allowedLateness: 30s\n"
                                + "      aggregate: {avg_c: avg(temp_c), max_c: max(temp_c), readings: count()}",
                        "tumbling: 10m\n      session: {gap: 5m}"));
        assertEquals(List.of("spec.pipeline[2].window: give one of tumbling, hopping or session"),
                errorsWith("tumbling: 10m", "allowedLateness: 0s"));
    }

    @Test
    void windowDurationsParseAndArePositive() throws Exception {
        assertEquals(List.of(
                "spec.pipeline[2].window.tumbling: must be more than 0s: use a number with a unit, e.g. 500ms, 30s,"
                        + " 10m, 1h or 1h30m",
                "spec.pipeline[2].window.allowedLateness: invalid duration \"-1s\": use a number with a unit, e.g."
                        + " 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)"),
                errorsWith("tumbling: 10m\n      allowedLateness: 30s", "tumbling: 0s\n      allowedLateness: -1s"));
        assertEquals(List.of(), errorsWith("allowedLateness: 30s", "allowedLateness: 0s"));
        assertEquals(List.of("spec.pipeline[2].window.session.gap: is required: use a number with a unit, e.g. 500ms,"
                        + " 30s, 10m, 1h or 1h30m"),
                errorsWith("tumbling: 10m", "session: {}"));
    }

    @Test
    void hoppingAdvanceIsAtMostSize() throws Exception {
        assertEquals(List.of("spec.pipeline[2].window.hopping.advance: must be ≤ size (5m): a larger advance leaves"
                        + " gaps between windows that no window covers"),
                errorsWith("tumbling: 10m", "hopping: {size: 5m, advance: 10m}"));
        assertEquals(List.of(), errorsWith("tumbling: 10m", "hopping: {size: 10m, advance: 10m}"));
        assertEquals(List.of(
                "spec.pipeline[2].window.hopping.size: is required: use a number with a unit, e.g. 500ms, 30s, 10m, 1h"
                        + " or 1h30m",
                "spec.pipeline[2].window.hopping.advance: invalid duration \"5\": use a number with a unit, e.g."
                        + " 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)"),
                errorsWith("tumbling: 10m", "hopping: {advance: 5}"));
    }

    @Test
    void aggregatesParseAndAvoidTheNamesEveryWindowOutputHas() throws Exception {
        assertEquals(List.of(
                "spec.pipeline[2].window.aggregate.avg_c: unknown aggregate function 'mean': use one of count(),"
                        + " count(x), sum(x), avg(x), min(x), max(x)",
                "spec.pipeline[2].window.aggregate.max_c: 'max(temp_c' is not an aggregate call: write one of"
                        + " count(), count(x), sum(x), avg(x), min(x), max(x)",
                "spec.pipeline[2].window.aggregate.window_start: every window output record has the key field"
                        + " (sensor_id), window_start and window_end: give this aggregate another name",
                "spec.pipeline[2].window.aggregate.sensor_id: every window output record has the key field"
                        + " (sensor_id), window_start and window_end: give this aggregate another name",
                "spec.pipeline[2].window.aggregate.total: sum() needs an argument, e.g. sum(temperature): write one of"
                        + " count(), count(x), sum(x), avg(x), min(x), max(x)"),
                errorsWith("aggregate: {avg_c: avg(temp_c), max_c: max(temp_c), readings: count()}",
                        "aggregate: {avg_c: mean(temp_c), max_c: max(temp_c, window_start: count(),"
                                + " sensor_id: count(), total: sum()}"));
    }

    @Test
    void atMostOneWindowStep() throws Exception {
        assertEquals(List.of("spec.pipeline[4].window: a pipeline has at most one window step and"
                        + " spec.pipeline[2].window is one: aggregate everything in that window; steps after it filter"
                        + " and map the window's output records"),
                errorsWith("sink:", """
                          - filter: "readings > 10"
                          - window: {keyBy: sensor_id, tumbling: 1h, aggregate: {n: count()}}
                        sink:"""));
    }

    @Test
    void checkpointsAreInS3OrOnFileAtAPositiveInterval() throws Exception {
        assertEquals(List.of(
                "spec.checkpoints.location: \"/tmp/x\" is neither s3:// nor file://: use s3://bucket/prefix, or"
                        + " file:///path for local runs",
                "spec.checkpoints.interval: must be more than 0s: use a number with a unit, e.g. 500ms, 30s, 10m, 1h"
                        + " or 1h30m"),
                errorsWith("{location: \"s3://bucket/prefix\", interval: 30s}", "{location: /tmp/x, interval: 0ms}"));
        assertEquals(List.of(), errorsWith("s3://bucket/prefix", "file:///var/lib/weir"));
        assertEquals(List.of(
                "spec.checkpoints.retain: must be ≥ 1 (a restore uses the newest), got 0",
                "spec.checkpoints.s3.endpoint: \"minio:9000\" is not an http:// or https:// URL: use e.g."
                        + " http://minio:9000"),
                errorsWith("interval: 30s}", "interval: 30s, retain: 0, s3: {endpoint: \"minio:9000\"}}"));
    }

    @Test
    void checkpointLocationsAreOnesTheStoreCanOpen() throws Exception {
        assertEquals(List.of("spec.checkpoints.location: \"s3://my bucket/prefix\" is not a URI (illegal character in"
                        + " authority at index 5): use s3://bucket/prefix, or file:///path for local runs"),
                errorsWith("s3://bucket/prefix", "s3://my bucket/prefix"));
        assertEquals(List.of("spec.checkpoints.location: \"s3:///prefix\" names no bucket: use s3://bucket/prefix, or"
                        + " file:///path for local runs"),
                errorsWith("s3://bucket/prefix", "s3:///prefix"));
        assertEquals(List.of("spec.checkpoints.location: \"file://var/lib/weir\" is not an absolute folder (a file://"
                        + " location has three slashes, file:///var/lib/weir): use s3://bucket/prefix, or file:///path"
                        + " for local runs"),
                errorsWith("s3://bucket/prefix", "file://var/lib/weir"));
        assertEquals(List.of(), errorsWith("s3://bucket/prefix", "s3://my_bucket.example-1/a/b%20c"));
        assertEquals(List.of(), errorsWith("s3://bucket/prefix", "file:///var/lib/weir%20state"));
        assertEquals(List.of("spec.checkpoints.s3.endpoint: \"http://minio:9000 \" is not an http:// or https:// URL:"
                        + " use e.g. http://minio:9000"),
                errorsWith("interval: 30s}", "interval: 30s, s3: {endpoint: \"http://minio:9000 \"}}"));
    }

    @Test
    void aSavepointTimeoutIsPositiveAndACredentialsSecretIsNamed() throws Exception {
        assertEquals(List.of(
                "spec.checkpoints.savepointTimeout: must be more than 0s: use a number with a unit, e.g. 500ms, 30s,"
                        + " 10m, 1h or 1h30m",
                "spec.checkpoints.s3.credentialsSecret.name: is required: the name of a Secret in the job's namespace"
                        + " holding the access key pair"),
                errorsWith("interval: 30s}", "interval: 30s, savepointTimeout: 0s, s3: {credentialsSecret: {}}}"));
        assertEquals(List.of(), errorsWith("interval: 30s}",
                "interval: 30s, savepointTimeout: 5m, s3: {credentialsSecret: {name: keys}}}"));
    }

    @Test
    void restoreFromIsALocationAndNeedsCheckpointsOfItsOwn() throws Exception {
        assertEquals(List.of(), errorsWith("checkpoints:", "restoreFrom: s3://bucket/prefix/weir-old\ncheckpoints:"));
        assertEquals(List.of(
                "spec.restoreFrom: \"old-job\" is neither s3:// nor file://: use the checkpoint folder of the old job,"
                        + " e.g. s3://bucket/prefix/weir-old-job",
                "spec.restoreFrom: needs spec.checkpoints.location: a job restored from a savepoint keeps checkpoints"
                        + " of its own"),
                errorsWith("checkpoints: {location: \"s3://bucket/prefix\", interval: 30s}", "restoreFrom: old-job"));
    }

    @Test
    void scalingBounds() throws Exception {
        assertEquals(List.of(
                "spec.scaling.minReplicas: must be ≥ 0, got -1: use 0 to let an idle job stop",
                "spec.scaling.maxReplicas: must be ≥ 1, got 0: use minReplicas: 0 to let an idle job stop",
                "spec.scaling.maxLagSeconds: must be ≥ 1, got 0: give the seconds of lag the job may fall behind before"
                        + " it scales up"),
                errorsWith("{minReplicas: 0, maxReplicas: 12, maxLagSeconds: 30}",
                        "{minReplicas: -1, maxReplicas: 0, maxLagSeconds: 0}"));
        assertEquals(List.of("spec.scaling.minReplicas: must be ≤ maxReplicas (2), got 3: raise maxReplicas or lower"
                        + " minReplicas"),
                errorsWith("{minReplicas: 0, maxReplicas: 12, maxLagSeconds: 30}", "{minReplicas: 3, maxReplicas: 2}"));
        assertEquals(List.of("spec.scaling.minReplicas: must be ≤ maxReplicas (1, the default), got 3: raise"
                        + " maxReplicas or lower minReplicas"),
                errorsWith("{minReplicas: 0, maxReplicas: 12, maxLagSeconds: 30}", "{minReplicas: 3}"));
    }

    @Test
    void scalingDurationsArePositive() throws Exception {
        assertEquals(List.of(
                "spec.scaling.scaleDownWindow: must be more than 0s: use a number with a unit, e.g. 500ms, 30s, 10m, 1h"
                        + " or 1h30m",
                "spec.scaling.idleTimeout: invalid duration \"5\": use a number with a unit, e.g. 500ms, 30s, 10m, 1h"
                        + " or 1h30m (units ns, us, ms, s, m, h)",
                "spec.scaling.pollInterval: must be more than 0s: use a number with a unit, e.g. 500ms, 30s, 10m, 1h"
                        + " or 1h30m"),
                errorsWith("{minReplicas: 0, maxReplicas: 12, maxLagSeconds: 30}",
                        "{minReplicas: 0, maxReplicas: 12, scaleDownWindow: 0s, idleTimeout: 5, pollInterval: 0ms}"));
    }

    @Test
    void tracingRatioAndEndpoint() throws Exception {
        assertEquals(List.of(
                "spec.tracing.sampleRatio: must be between 0 and 1, got 1.5: e.g. 0.1 traces one record in ten",
                "spec.tracing.endpoint: \"grpc://collector:4317\" is not an http:// or https:// URL: use e.g."
                        + " http://otel-collector:4317"),
                errorsWith("{endpoint: \"http://otel-collector:4317\", sampleRatio: 0.1}",
                        "{endpoint: \"grpc://collector:4317\", sampleRatio: 1.5}"));
        assertEquals(List.of("spec.tracing.endpoint: is required: give the OTLP gRPC endpoint of the collector, e.g."
                        + " http://otel-collector:4317"),
                errorsWith("{endpoint: \"http://otel-collector:4317\", sampleRatio: 0.1}", "{sampleRatio: 0}"));
    }

    @Test
    void thePayloadFieldOfTheTraceContextIsForKinesisSources() throws Exception {
        String tracing = "{endpoint: \"http://otel-collector:4317\", sampleRatio: 0.1}";
        assertEquals(List.of("spec.tracing.payloadField: applies to a Kinesis source only: Kafka records carry the"
                        + " trace context in their traceparent header; remove the field"),
                errorsWith(tracing, "{endpoint: \"http://otel-collector:4317\", payloadField: trace}"));
        String kinesis = VALID.replace(
                        "kafka: {bootstrapServers: \"kafka:9092\", topic: sensor-readings, startingOffsets: earliest}",
                        "kinesis: {stream: readings, region: eu-west-1}")
                .replace("sink: {kafka: {topic: sensor-aggregates}}", "sink: {kinesis: {stream: aggregates}}")
                .replace("deadLetter: {kafka: {topic: sensor-readings-dlq}}", "deadLetter: {kinesis: {stream: dlq}}")
                .replace("processingGuarantee: exactly_once", "processingGuarantee: at_least_once");
        assertEquals(List.of(), errors(kinesis.replace(tracing,
                "{endpoint: \"http://otel-collector:4317\", payloadField: _trace.parent}")));
        assertEquals(List.of("spec.tracing.payloadField: 'trace parent' cannot name the payload field of the trace"
                        + " context: use up to 128 letters, digits, '_', '-' and '.', starting with a letter or '_',"
                        + " e.g. traceparent"),
                errors(kinesis.replace(tracing,
                        "{endpoint: \"http://otel-collector:4317\", payloadField: trace parent}")));
    }

    @Test
    void allErrorsAreReportedNotJustTheFirst() throws Exception {
        List<String> errors = errors("""
                source: {kafka: {topic: in}}
                pipeline:
                  - filter: "x >"
                  - window: {keyBy: k, tumbling: 10, aggregate: {n: count()}}
                sink: {kafka: {topic: out}}
                deadLetter: {kinesis: {stream: dlq}}
                scaling: {minReplicas: 5, maxReplicas: 2}
                """);
        assertEquals(6, errors.size(), String.join("\n", errors));
        assertTrue(errors.get(0).startsWith("spec.source.kafka.bootstrapServers: "), errors.get(0));
        assertTrue(errors.get(1).startsWith("spec.pipeline[0].filter: "), errors.get(1));
        assertTrue(errors.get(2).startsWith("spec.pipeline[1].window.tumbling: "), errors.get(2));
        assertTrue(errors.get(3).startsWith("spec.deadLetter.kinesis.region: "), errors.get(3));
        assertTrue(errors.get(4).startsWith("spec.deadLetter.kinesis: "), errors.get(4));
        assertTrue(errors.get(5).startsWith("spec.scaling.minReplicas: "), errors.get(5));
    }

    @Test
    void resourcesMustBeQuantitiesAndReplicasNotNegative() throws Exception {
        assertEquals(List.of(), errorsWith("suspend: false",
                "suspend: false\nreplicas: 3\nresources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: '2'}}"));
        assertEquals(List.of("spec.resources.limits.memory: 'lots' is not a Kubernetes quantity: write e.g. 512Mi or 2Gi",
                        "spec.replicas: must be ≥ 0, got -1: 0 stops the job's pods"),
                errorsWith("suspend: false", "suspend: false\nreplicas: -1\nresources: {limits: {memory: lots}}")
                        .stream().sorted(java.util.Comparator.reverseOrder()).toList());
    }

    /** A job setting every duration field of the spec to {@code value}, with a window of the given shape. */
    private static String everyDuration(String shape, String value) {
        return """
                source: {kafka: {bootstrapServers: "kafka:9092", topic: in}}
                eventTime: {field: t, idleTimeout: %2$s}
                pipeline:
                  - window: {keyBy: k, %1$s, allowedLateness: %2$s, aggregate: {n: count()}}
                sink: {kafka: {topic: out}}
                deadLetter: {kafka: {topic: dlq}}
                checkpoints: {location: "s3://bucket/prefix", interval: %2$s, savepointTimeout: %2$s}
                scaling: {minReplicas: 0, maxReplicas: 2, scaleDownWindow: %2$s, idleTimeout: %2$s, pollInterval: %2$s}
                """.formatted(shape.formatted(value), value);
    }

    private static final List<String> SHAPES = List.of("tumbling: %s", "hopping: {size: %s, advance: %<s}",
            "session: {gap: %s}");

    @Test
    void everyDurationFieldIsRefusedWhenItOverflowsNamingTheField() throws Exception {
        List<List<String>> fields = List.of(
                List.of("spec.pipeline[0].window.tumbling"),
                List.of("spec.pipeline[0].window.hopping.size", "spec.pipeline[0].window.hopping.advance"),
                List.of("spec.pipeline[0].window.session.gap"));
        for (int i = 0; i < SHAPES.size(); i++) {
            List<String> expected = new java.util.ArrayList<>(List.of("spec.eventTime.idleTimeout"));
            expected.addAll(fields.get(i));
            expected.addAll(List.of("spec.pipeline[0].window.allowedLateness", "spec.checkpoints.interval",
                    "spec.checkpoints.savepointTimeout", "spec.scaling.scaleDownWindow", "spec.scaling.idleTimeout",
                    "spec.scaling.pollInterval"));
            assertEquals(expected.stream().map(field -> field + ": invalid duration \"9999999999999h\": too long, at"
                    + " most 876000h (100 years)").toList(), errors(everyDuration(SHAPES.get(i), "9999999999999h")));
        }
    }

    @Test
    void everyDurationFieldCountsWholeMilliseconds() throws Exception {
        for (String shape : SHAPES) {
            List<String> errors = errors(everyDuration(shape, "999us"));
            assertEquals(shape.startsWith("hopping") ? 9 : 8, errors.size(), String.join("\n", errors));
            for (String error : errors) {
                assertTrue(error.matches("spec\\.[a-zA-Z.\\[\\]0-9]+: \"999us\" is not a whole number of"
                        + " milliseconds, the unit Weir counts time in: use (0s or )?1ms"), error);
            }
        }
        assertEquals(List.of("spec.pipeline[2].window.tumbling: \"1500us\" is not a whole number of milliseconds, the"
                        + " unit Weir counts time in: use 1ms or 2ms",
                        "spec.pipeline[2].window.allowedLateness: \"1ns\" is not a whole number of milliseconds, the"
                                + " unit Weir counts time in: use 0s or 1ms"),
                errorsWith("tumbling: 10m\n      allowedLateness: 30s", "tumbling: 1500us\n      allowedLateness: 1ns"));
        assertEquals(List.of(), errorsWith("tumbling: 10m", "tumbling: 1.5s"));
        assertEquals(List.of(), errorsWith("tumbling: 10m", "tumbling: 1ms"));
        assertEquals(List.of(), errorsWith("tumbling: 10m", "tumbling: 2000us"));
    }

    @Test
    void hoppingWindowsHoldEachRecordInAtMostAThousandWindows() throws Exception {
        assertEquals(List.of(), errorsWith("tumbling: 10m", "hopping: {size: 1s, advance: 1ms}"));
        assertEquals(List.of(), errorsWith("tumbling: 10m", "hopping: {size: 1h, advance: 3600ms}"));
        assertEquals(List.of("spec.pipeline[2].window.hopping.advance: 1ms with hopping.size 1001ms puts each record in"
                        + " 1001 windows (size / advance, rounded up), more than the 1000 allowed: make advance at least"
                        + " 2ms, or size at most 1s"),
                errorsWith("tumbling: 10m", "hopping: {size: 1001ms, advance: 1ms}"));
        assertEquals(List.of("spec.pipeline[2].window.hopping.advance: 1ms with hopping.size 1h puts each record in"
                        + " 3600000 windows (size / advance, rounded up), more than the 1000 allowed: make advance at"
                        + " least 3.6s, or size at most 1s"),
                errorsWith("tumbling: 10m", "hopping: {size: 1h, advance: 1ms}"));
        assertEquals(List.of("spec.pipeline[2].window.hopping.advance: 1ms with hopping.size 1000h puts each record in"
                        + " 3600000000 windows (size / advance, rounded up), more than the 1000 allowed: make advance"
                        + " at least 1h, or size at most 1s"),
                errorsWith("tumbling: 10m", "hopping: {size: 1000h, advance: 1ms}"));
        assertEquals(List.of("spec.pipeline[2].window.hopping.advance: 7s with hopping.size 2h puts each record in"
                        + " 1029 windows (size / advance, rounded up), more than the 1000 allowed: make advance at"
                        + " least 7.2s, or size at most 1h56m40s"),
                errorsWith("tumbling: 10m", "hopping: {size: 2h, advance: 7s}"));
    }

    @Test
    void sinkAndDeadLetterAreNotTheSameTopicOrStream() throws Exception {
        assertEquals(List.of("spec.deadLetter.kafka.topic: is the sink's topic too (spec.sink.kafka.topic): results and"
                        + " dead letters would mix in one topic: use another topic"),
                errorsWith("deadLetter: {kafka: {topic: sensor-readings-dlq}}",
                        "deadLetter: {kafka: {topic: sensor-aggregates}}"));
        assertEquals(List.of("spec.deadLetter.kafka.topic: is the sink's topic too (spec.sink.kafka.topic): results and"
                        + " dead letters would mix in one topic: use another topic"),
                errorsWith("deadLetter: {kafka: {topic: sensor-readings-dlq}}",
                        "deadLetter: {kafka: {topic: sensor-aggregates, bootstrapServers: \"kafka:9092\"}}"));
        assertEquals(List.of("spec.deadLetter.kafka.topic: is the source topic, so bad and late records would be read"
                        + " again by the job: use another topic"),
                errorsWith("deadLetter: {kafka: {topic: sensor-readings-dlq}}",
                        "deadLetter: {kafka: {topic: sensor-readings}}"));
        List<String> kinesis = errors(VALID.replace("processingGuarantee: exactly_once", "")
                .replace("sink: {kafka: {topic: sensor-aggregates}}",
                        "sink: {kinesis: {stream: out, region: eu-west-1}}")
                .replace("deadLetter: {kafka: {topic: sensor-readings-dlq}}", "deadLetter: {kinesis: {stream: out}}")
                .replace("kafka: {bootstrapServers: \"kafka:9092\", topic: sensor-readings, startingOffsets: earliest}",
                        "kinesis: {stream: in, region: eu-west-1}"));
        assertTrue(kinesis.contains("spec.deadLetter.kinesis.stream: is the sink's stream too (spec.sink.kinesis.stream):"
                + " results and dead letters would mix in one stream: use another stream"), String.join("\n", kinesis));
        assertEquals(List.of(), errorsWith("deadLetter: {kafka: {topic: sensor-readings-dlq}}",
                "deadLetter: {kafka: {topic: sensor-aggregates-dlq}}"));
    }

    @Test
    void eachEngineWritesWhereItReads() throws Exception {
        String kinesisSource = VALID.replace("processingGuarantee: exactly_once", "")
                .replace("kafka: {bootstrapServers: \"kafka:9092\", topic: sensor-readings, startingOffsets: earliest}",
                        "kinesis: {stream: in, region: eu-west-1}");
        assertEquals(List.of(), errors(kinesisSource
                .replace("sink: {kafka: {topic: sensor-aggregates}}", "sink: {kinesis: {stream: out}}")
                .replace("deadLetter: {kafka: {topic: sensor-readings-dlq}}", "deadLetter: {kinesis: {stream: dlq}}")),
                "a Kinesis job writing to Kinesis runs (weir run, weir serve)");
        assertEquals(List.of(
                "spec.sink.kafka: a Kinesis source writes to Kinesis: the Kinesis engine has no Kafka producer yet;"
                        + " give spec.sink.kinesis (stream)",
                "spec.deadLetter.kafka: a Kinesis source writes to Kinesis: the Kinesis engine has no Kafka producer"
                        + " yet; give spec.deadLetter.kinesis (stream)"),
                errors(kinesisSource
                        .replace("sink: {kafka: {topic: sensor-aggregates}}",
                                "sink: {kafka: {topic: sensor-aggregates, bootstrapServers: \"kafka:9092\"}}")
                        .replace("deadLetter: {kafka: {topic: sensor-readings-dlq}}",
                                "deadLetter: {kafka: {topic: sensor-readings-dlq, bootstrapServers: \"kafka:9092\"}}")));
        assertEquals(List.of(
                "spec.sink.kinesis: a Kafka source writes to Kafka: the Kafka engine has no Kinesis sink yet; give"
                        + " spec.sink.kafka (topic)",
                "spec.deadLetter.kinesis: a Kafka source writes to Kafka: the Kafka engine has no Kinesis sink yet;"
                        + " give spec.deadLetter.kafka (topic)"),
                errors(VALID.replace("processingGuarantee: exactly_once", "")
                        .replace("sink: {kafka: {topic: sensor-aggregates}}",
                                "sink: {kinesis: {stream: out, region: eu-west-1}}")
                        .replace("deadLetter: {kafka: {topic: sensor-readings-dlq}}",
                                "deadLetter: {kinesis: {stream: dlq, region: eu-west-1}}")));
    }

    /** The valid example with a Kinesis source, sink and dead letter: its window, checkpoints and 12 pods. */
    private static StreamJob kinesisJob() throws Exception {
        StreamJob job = new StreamJob();
        job.getMetadata().setName("kinesis-job");
        job.setSpec(YAML.readValue(VALID.replace("processingGuarantee: exactly_once", "")
                .replace("kafka: {bootstrapServers: \"kafka:9092\", topic: sensor-readings, startingOffsets: earliest}",
                        "kinesis: {stream: in, region: eu-west-1}")
                .replace("sink: {kafka: {topic: sensor-aggregates}}", "sink: {kinesis: {stream: out}}")
                .replace("deadLetter: {kafka: {topic: sensor-readings-dlq}}", "deadLetter: {kinesis: {stream: dlq}}"),
                StreamJobSpec.class));
        return job;
    }

    @Test
    void aKinesisJobRunsOnSeveralPodsWithAWindowAndCheckpoints_elseTheFieldIsNamed() throws Exception {
        StreamJob job = kinesisJob();
        assertEquals(List.of(), SpecValidator.validate(job));
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "the example's window, checkpoints, 12 pods");
        assertEquals(12, job.getSpec().mostPods());

        job.getSpec().checkpoints = null;
        List<ValidationError> errors = SpecValidator.validateForCluster(job);
        assertEquals(List.of("spec.checkpoints.location"), errors.stream().map(ValidationError::field).toList());
        assertTrue(errors.get(0).message().contains("spec.scaling.maxReplicas asks for up to 12 pods"), errors.toString());
        job.getSpec().scaling = null;
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "one pod, the default, needs no checkpoints");
        job.getSpec().replicas = 2;
        assertEquals(List.of("spec.checkpoints.location"),
                SpecValidator.validateForCluster(job).stream().map(ValidationError::field).toList());

        job.getSpec().checkpoints = new CheckpointSpec();
        job.getSpec().checkpoints.location = "s3://bucket/prefix";
        job.getSpec().restoreFrom = "s3://bucket/prefix/old-job";
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "several pods restore from savepoints too");
        job.getSpec().restoreFrom = null;

        // without a window: source tasks on several pods, no shuffle; positions still move through the checkpoints
        job.getSpec().pipeline = List.of(job.getSpec().pipeline.get(0));
        assertEquals(List.of(), SpecValidator.validateForCluster(job));
        assertEquals(KinesisLayout.SEVERAL_PODS, KinesisLayout.of(job.getSpec()).orElseThrow());
        assertFalse(KinesisLayout.shuffles(job.getSpec()));
        job.getSpec().checkpoints = null;
        assertEquals(List.of("spec.checkpoints.location"),
                SpecValidator.validateForCluster(job).stream().map(ValidationError::field).toList());
        job.getSpec().replicas = 1;
        job.getSpec().scaling = new ScalingSpec();
        job.getSpec().scaling.minReplicas = 0;
        job.getSpec().scaling.maxReplicas = 1;
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "to zero when idle and back to one");
        job.getSpec().scaling.maxReplicas = 3;
        assertEquals(List.of("spec.checkpoints.location"),
                SpecValidator.validateForCluster(job).stream().map(ValidationError::field).toList());

        job.getSpec().scaling = null;
        job.getSpec().source.kinesis.credentialsSecret = new CheckpointSpec.CredentialsSecret();
        assertEquals(List.of("spec.source.kinesis.credentialsSecret.name"),
                SpecValidator.validate(job).stream().map(ValidationError::field).toList());
    }

    @Test
    void aKinesisJobWithCheckpointsOfOneLayoutCannotMoveToTheOther_theFieldThatMovesItIsNamed() throws Exception {
        StreamJob job = kinesisJob();
        job.setStatus(new StreamJobStatus());
        job.getStatus().checkpoints = new CheckpointsStatus();
        job.getStatus().checkpoints.latest = stored("kinesis-source-shardId-000000000001");
        assertEquals(KinesisLayout.SEVERAL_PODS, KinesisLayout.of(job.getSpec()).orElseThrow());
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "several pods on several pods' checkpoints");

        job.getSpec().scaling = null;
        List<ValidationError> errors = SpecValidator.validateForCluster(job);
        assertEquals(List.of("spec.replicas"), errors.stream().map(ValidationError::field).toList());
        assertTrue(errors.get(0).message().startsWith("must stay above 1 (spec.replicas asks for up to 1 pod) while the"
                + " job has checkpoints written on several pods (task kinesis-source-shardId-000000000001)"),
                errors.toString());
        job.getSpec().suspend = true;
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "suspended, it runs no pod");
        job.getSpec().suspend = null;
        job.getSpec().replicas = 0;
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "replicas 0 stops it too");
        job.getSpec().replicas = 2;
        assertEquals(List.of(), SpecValidator.validateForCluster(job));

        // the newest checkpoint says nothing of the layout (another task); a savepoint still does
        job.getStatus().checkpoints.latest = stored("kafka-streams-0_1");
        job.getStatus().checkpoints.savepoints = List.of(stored("kinesis-windows"));
        errors = SpecValidator.validateForCluster(job);
        assertEquals(List.of("spec.replicas"), errors.stream().map(ValidationError::field).toList());
        assertTrue(errors.get(0).message().startsWith("cannot ask for more than one pod (spec.replicas asks for up to 2"
                + " pods) while the job has checkpoints written on one pod (task kinesis-windows)"), errors.toString());
        job.getSpec().replicas = 1;
        assertEquals(List.of(), SpecValidator.validateForCluster(job), "one pod on one pod's checkpoints");

        // the window dropped: still several pods (the source tasks keep their positions), so no move
        job.getSpec().replicas = 2;
        job.getSpec().pipeline = List.of(job.getSpec().pipeline.get(0));
        job.getStatus().checkpoints.savepoints = List.of(stored("kinesis-windows-shardId-000000000000"));
        assertEquals(KinesisLayout.SEVERAL_PODS, KinesisLayout.of(job.getSpec()).orElseThrow());
        assertEquals(List.of(), SpecValidator.validateForCluster(job));
        job.getSpec().replicas = 1;
        assertEquals(List.of("spec.replicas"),
                SpecValidator.validateForCluster(job).stream().map(ValidationError::field).toList());
    }

    private static CheckpointsStatus.StoredCheckpoint stored(String taskId) {
        CheckpointsStatus.StoredCheckpoint checkpoint = new CheckpointsStatus.StoredCheckpoint();
        checkpoint.taskId = taskId;
        return checkpoint;
    }

    @Test
    void topicNamesAreOnesKafkaAccepts() throws Exception {
        String rule = "is not a Kafka topic name: use up to 249 letters, digits, '.', '_' and '-' (not . or ..)";
        assertEquals(List.of("spec.source.kafka.topic: \"sensor readings\" " + rule,
                        "spec.sink.kafka.topic: \"..\" " + rule,
                        "spec.deadLetter.kafka.topic: \"" + "d".repeat(250) + "\" " + rule),
                errors(VALID.replace("topic: sensor-readings,", "topic: \"sensor readings\",")
                        .replace("topic: sensor-aggregates", "topic: \"..\"")
                        .replace("topic: sensor-readings-dlq", "topic: " + "d".repeat(250))));
        assertEquals(List.of(), errorsWith("topic: sensor-aggregates", "topic: Sensor_Aggregates.v2"));
    }

    @Test
    void bootstrapServersAreHostPortPairs() throws Exception {
        String rule = "is not a list of host:port pairs: write e.g. kafka-0:9092,kafka-1:9092";
        assertEquals(List.of("spec.source.kafka.bootstrapServers: \"kafka\" " + rule),
                errorsWith("bootstrapServers: \"kafka:9092\"", "bootstrapServers: kafka"));
        assertEquals(List.of("spec.source.kafka.bootstrapServers: \"kafka:99999\" " + rule),
                errorsWith("bootstrapServers: \"kafka:9092\"", "bootstrapServers: \"kafka:99999\""));
        assertEquals(List.of("spec.source.kafka.bootstrapServers: \"kafka:0\" " + rule),
                errorsWith("bootstrapServers: \"kafka:9092\"", "bootstrapServers: \"kafka:0\""));
        assertEquals(List.of(), errorsWith("bootstrapServers: \"kafka:9092\"",
                "bootstrapServers: \"kafka-0.kafka:9092, 10.0.0.1:9093,[::1]:9094\""));
    }

    @Test
    void aMapThatDropsTheKeyFieldIsRefusedAtTheWindow() throws Exception {
        assertEquals(List.of("spec.pipeline[2].window.keyBy: \"sensor_id\" is not a field of the records here:"
                        + " spec.pipeline[1].map makes records with exactly temp_c; key by one of them, or add"
                        + " sensor_id to that map"),
                errorsWith("map: {sensor_id: \"sensor_id\", temp_c:", "map: {temp_c:"));
    }

    @Test
    void expressionsReadOnlyTheFieldsTheStepBeforeMakes() throws Exception {
        assertEquals(List.of("spec.pipeline[2].window.aggregate.max_c: reads temperature, which the records here do"
                        + " not have: spec.pipeline[1].map makes records with exactly sensor_id, temp_c"),
                errorsWith("max_c: max(temp_c)", "max_c: max(temperature)"));
        assertEquals(List.of("spec.pipeline[3].filter: reads temp_c, which the records here do not have:"
                        + " spec.pipeline[2].window makes records with exactly sensor_id, window_start, window_end,"
                        + " avg_c, max_c, readings"),
                errorsWith("sink:", "  - filter: \"temp_c > 20.0\"\nsink:"));
        assertEquals(List.of("spec.pipeline[3].map.hot: reads location, temp_c, which the records here do not have:"
                        + " spec.pipeline[2].window makes records with exactly sensor_id, window_start, window_end,"
                        + " avg_c, max_c, readings"),
                errorsWith("sink:", "  - map: {hot: \"temp_c > 20.0 && location == 'roof'\", n: readings}\nsink:"));
        assertEquals(List.of(), errorsWith("sink:", """
                          - filter: "readings >= 2 && avg_c > max_c - 10.0"
                          - map: {sensor: sensor_id, from: window_start, hot: "avg_c > 30.0", all: "[1, 2].all(x, x > 0)"}
                          - filter: "hot && sensor != ''"
                        sink:"""));
    }

    @Test
    void aKafkaSinkWritesToTheSourceCluster() throws Exception {
        assertEquals(List.of(), errorsWith("sink: {kafka: {topic: sensor-aggregates}}",
                "sink: {kafka: {topic: sensor-aggregates, bootstrapServers: 'kafka:9092'}}"));
        assertEquals(List.of("spec.sink.kafka.bootstrapServers: must be the source's brokers (kafka:9092) or absent:"
                        + " a job reads and writes one Kafka cluster"),
                errorsWith("sink: {kafka: {topic: sensor-aggregates}}",
                        "sink: {kafka: {topic: sensor-aggregates, bootstrapServers: 'other:9092'}}"));
    }

    /** The spec with its pipeline replaced by {@code sql}, which the YAML block scalar keeps line by line. */
    private static List<String> errorsWithSql(String sql) throws Exception {
        String pipeline = VALID.substring(VALID.indexOf("pipeline:"), VALID.indexOf("sink:"));
        return errorsWith(pipeline, "sql: |\n" + sql.indent(2));
    }

    @Test
    void aQueryIsValidatedAsThePipelineItTranslatesTo() throws Exception {
        assertEquals(List.of(), errorsWithSql("""
                SELECT sensor_id, window_start, window_end, AVG(temperature) AS avg_c
                FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '10' MINUTES))
                GROUP BY window_start, window_end, sensor_id
                """));
        assertEquals(List.of("spec.sql: line 3, column 21: GROUP BY takes one key column besides the window, and"
                        + " sensor_id is it: Weir windows are keyed by one field (combine the columns into one field"
                        + " before the job)"),
                errorsWithSql("""
                        SELECT sensor_id, COUNT(*) AS n
                        FROM sensor_readings
                        GROUP BY sensor_id, site, TUMBLE(event_time, INTERVAL '1' MINUTE)
                        """));
        assertEquals(List.of("spec.sql: line 1, column 18: Encountered \",\": this is not valid SQL here; check"
                + " the query against docs/sql.md"), errorsWithSql("SELECT sensor_id,, site FROM sensor_readings"));
    }

    @Test
    void sqlAndPipelineTogetherAreRefused() throws Exception {
        assertEquals(List.of("spec.sql: give spec.sql or spec.pipeline, not both: the query is the pipeline; remove"
                        + " one"),
                errorsWith("pipeline:", "sql: SELECT * FROM sensor_readings\npipeline:"));
        assertEquals(List.of("spec.sql: is empty: write a SELECT query over the source, or remove sql and give"
                + " pipeline steps"), errorsWithSql(" "));
    }

    @Test
    void theJobsAllowedLatenessIsADuration() throws Exception {
        assertEquals(List.of(), errorsWith("eventTime: {field: event_time}",
                "eventTime: {field: event_time, allowedLateness: 1m30s}"));
        assertEquals(List.of("spec.eventTime.allowedLateness: invalid duration \"soon\": use a number with a unit,"
                        + " e.g. 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)"),
                errorsWith("eventTime: {field: event_time}", "eventTime: {field: event_time, allowedLateness: soon}"));
    }
}

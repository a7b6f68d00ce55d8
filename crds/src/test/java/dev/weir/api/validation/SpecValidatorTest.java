package dev.weir.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.api.StreamJobSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The example of ARCHITECTURE.md. */
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
                SpecValidator.validate(null));
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
                        + " a host:port list, e.g. kafka:9092"),
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
                        + " container '') (column 7)"),
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
                "spec.checkpoints.s3.endpoint: \"minio:9000\" is not an http(s) URL: use e.g. http://minio:9000"),
                errorsWith("interval: 30s}", "interval: 30s, retain: 0, s3: {endpoint: \"minio:9000\"}}"));
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
        assertEquals(5, errors.size(), String.join("\n", errors));
        assertTrue(errors.get(0).startsWith("spec.source.kafka.bootstrapServers: "), errors.get(0));
        assertTrue(errors.get(1).startsWith("spec.pipeline[0].filter: "), errors.get(1));
        assertTrue(errors.get(2).startsWith("spec.pipeline[1].window.tumbling: "), errors.get(2));
        assertTrue(errors.get(3).startsWith("spec.deadLetter.kinesis.region: "), errors.get(3));
        assertTrue(errors.get(4).startsWith("spec.scaling.minReplicas: "), errors.get(4));
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

    @Test
    void aKafkaSinkWritesToTheSourceCluster() throws Exception {
        assertEquals(List.of(), errorsWith("sink: {kafka: {topic: sensor-aggregates}}",
                "sink: {kafka: {topic: sensor-aggregates, bootstrapServers: 'kafka:9092'}}"));
        assertEquals(List.of("spec.sink.kafka.bootstrapServers: must be the source's brokers (kafka:9092) or absent:"
                        + " a job reads and writes one Kafka cluster"),
                errorsWith("sink: {kafka: {topic: sensor-aggregates}}",
                        "sink: {kafka: {topic: sensor-aggregates, bootstrapServers: 'other:9092'}}"));
    }
}

package dev.weir.api.validation;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.Durations;
import dev.weir.api.EventTimeSpec;
import dev.weir.api.ProcessingGuarantee;
import dev.weir.api.ResourcesSpec;
import dev.weir.api.ScalingSpec;
import dev.weir.api.SinkSpec;
import dev.weir.api.SourceSpec;
import dev.weir.api.StepSpec;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.TracingSpec;
import dev.weir.api.WindowSpec;
import dev.weir.api.expr.AggregateCall;
import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules a StreamJob spec must satisfy beyond its schema, shared by the operator and the runtime. Every problem is
 * reported, each with the path of its field and the fix.
 */
public final class SpecValidator {
    private static final java.util.regex.Pattern QUANTITY = java.util.regex.Pattern.compile(ResourcesSpec.QUANTITY);
    /** Output fields of map and window steps are read by later steps as CEL variables, so they must be identifiers. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> CEL_RESERVED = Set.of("true", "false", "null", "in", "as", "break", "const",
            "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return",
            "var", "void", "while");
    private static final Pattern CEL_ERROR = Pattern.compile("^ERROR: [^:]*:(\\d+):(\\d+): (.*)$", Pattern.MULTILINE);
    private static final String ACCEPTED_DURATION_FORM = "use a number with a unit, e.g. 500ms, 30s, 10m, 1h or 1h30m";

    private final List<ValidationError> errors = new ArrayList<>();

    private SpecValidator() {
    }

    public static List<ValidationError> validate(StreamJobSpec spec) {
        SpecValidator validator = new SpecValidator();
        if (spec == null) {
            validator.error("spec", "is required: give at least source, sink and deadLetter");
        } else {
            validator.spec(spec);
        }
        return List.copyOf(validator.errors);
    }

    private void spec(StreamJobSpec spec) {
        source(spec.source);
        eventTime(spec.eventTime);
        pipeline(spec.pipeline);
        sink("spec.sink", spec.sink, spec.source, "results");
        sink("spec.deadLetter", spec.deadLetter, spec.source, "bad and late records");
        processingGuarantee(spec);
        checkpoints(spec.checkpoints);
        restoreFrom(spec);
        scaling(spec.scaling);
        replicasAndResources(spec);
        tracing(spec.tracing);
    }

    private void source(SourceSpec source) {
        if (source == null) {
            error("spec.source", "is required: give kafka (bootstrapServers, topic) or kinesis (stream, region)");
            return;
        }
        if (!exactlyOne("spec.source", "kafka (bootstrapServers, topic) or kinesis (stream, region)",
                source.kafka != null, source.kinesis != null)) {
            return;
        }
        if (source.kafka != null) {
            required("spec.source.kafka.bootstrapServers", source.kafka.bootstrapServers,
                    "the brokers as a host:port list, e.g. kafka:9092");
            required("spec.source.kafka.topic", source.kafka.topic, "the topic to read");
        } else {
            required("spec.source.kinesis.stream", source.kinesis.stream, "the Kinesis stream to read");
            required("spec.source.kinesis.region", source.kinesis.region, "the stream's AWS region, e.g. eu-west-1");
            httpUrl("spec.source.kinesis.endpoint", source.kinesis.endpoint, "https://kinesis.eu-west-1.amazonaws.com");
        }
    }

    private void sink(String field, SinkSpec sink, SourceSpec source, String what) {
        if (sink == null) {
            error(field, "is required: " + what + " go there; give kafka (topic) or kinesis (stream)");
            return;
        }
        if (!exactlyOne(field, "kafka (topic) or kinesis (stream)", sink.kafka != null, sink.kinesis != null)) {
            return;
        }
        boolean sourceKnown = source != null && (source.kafka == null) != (source.kinesis == null);
        if (sink.kafka != null) {
            required(field + ".kafka.topic", sink.kafka.topic, "the topic " + what + " are written to");
            if (sourceKnown && source.kafka != null && !blank(sink.kafka.bootstrapServers)
                    && !sink.kafka.bootstrapServers.equals(source.kafka.bootstrapServers)) {
                error(field + ".kafka.bootstrapServers", "must be the source's brokers ("
                        + source.kafka.bootstrapServers + ") or absent: a job reads and writes one Kafka cluster");
            }
            if (sourceKnown && source.kafka == null && blank(sink.kafka.bootstrapServers)) {
                error(field + ".kafka.bootstrapServers", "is required when the source is not Kafka: give the brokers"
                        + " as a host:port list, e.g. kafka:9092");
            }
            if (sourceKnown && source.kafka != null && Objects.equals(sink.kafka.topic, source.kafka.topic)
                    && (blank(sink.kafka.bootstrapServers)
                    || sink.kafka.bootstrapServers.equals(source.kafka.bootstrapServers))) {
                error(field + ".kafka.topic", "is the source topic, so " + what
                        + " would be read again by the job: use another topic");
            }
        } else {
            required(field + ".kinesis.stream", sink.kinesis.stream, "the Kinesis stream " + what + " are written to");
            if (sourceKnown && source.kinesis == null && blank(sink.kinesis.region)) {
                error(field + ".kinesis.region", "is required when the source is not Kinesis: give the stream's AWS"
                        + " region, e.g. eu-west-1");
            }
            if (sourceKnown && source.kinesis != null && Objects.equals(sink.kinesis.stream, source.kinesis.stream)
                    && (blank(sink.kinesis.region) || sink.kinesis.region.equals(source.kinesis.region))) {
                error(field + ".kinesis.stream", "is the source stream, so " + what
                        + " would be read again by the job: use another stream");
            }
            httpUrl(field + ".kinesis.endpoint", sink.kinesis.endpoint, "https://kinesis.eu-west-1.amazonaws.com");
        }
    }

    private void processingGuarantee(StreamJobSpec spec) {
        if (spec.processingGuarantee != ProcessingGuarantee.exactly_once) {
            return;
        }
        boolean anyKinesis = spec.source != null && spec.source.kinesis != null && spec.source.kafka == null
                || onlyKinesis(spec.sink) || onlyKinesis(spec.deadLetter);
        if (anyKinesis) {
            error("spec.processingGuarantee", "exactly_once needs Kafka for source, sink and deadLetter (it rests on"
                    + " Kafka transactions, which Kinesis lacks): use at_least_once, or Kafka throughout");
        }
    }

    private static boolean onlyKinesis(SinkSpec sink) {
        return sink != null && sink.kinesis != null && sink.kafka == null;
    }

    private void eventTime(EventTimeSpec eventTime) {
        if (eventTime == null) {
            return;
        }
        required("spec.eventTime.field", eventTime.field, "the record field holding the event time (epoch"
                + " milliseconds or ISO-8601); remove eventTime to use the source record's timestamp");
        positiveDuration("spec.eventTime.idleTimeout", eventTime.idleTimeout);
        positiveDuration("spec.eventTime.maxAhead", eventTime.maxAhead);
    }

    private void pipeline(List<StepSpec> pipeline) {
        if (pipeline == null) {
            return;
        }
        String firstWindow = null;
        for (int i = 0; i < pipeline.size(); i++) {
            String field = "spec.pipeline[" + i + "]";
            StepSpec step = pipeline.get(i);
            if (step == null) {
                error(field, "is empty: give one of filter, map or window");
                continue;
            }
            if (!exactlyOne(field, "filter, map or window", step.filter != null, step.map != null,
                    step.window != null)) {
                continue;
            }
            if (step.filter != null) {
                filter(field + ".filter", step.filter);
            } else if (step.map != null) {
                map(field + ".map", step.map);
            } else {
                if (firstWindow != null) {
                    error(field + ".window", "a pipeline has at most one window step and " + firstWindow
                            + " is one: aggregate everything in that window; steps after it filter and map the"
                            + " window's output records");
                } else {
                    firstWindow = field + ".window";
                }
                window(field + ".window", step.window);
            }
        }
    }

    private void filter(String field, String source) {
        Expression filter = expression(field, source);
        if (filter != null && !Set.of("bool", "dyn").contains(filter.resultType())) {
            error(field, "\"" + source + "\" yields " + filter.resultType() + ", but a filter must yield bool: write a"
                    + " condition, e.g. temperature > 0.0");
        }
    }

    private void map(String field, Map<String, String> map) {
        if (map.isEmpty()) {
            error(field, "is empty: list output field: CEL expression pairs, e.g. temp_c: (temperature - 32.0) / 1.8;"
                    + " the new record has exactly these fields");
            return;
        }
        map.forEach((name, source) -> {
            outputName(field + "." + name, name);
            expression(field + "." + name, source);
        });
    }

    private void window(String field, WindowSpec window) {
        required(field + ".keyBy", window.keyBy, "the field whose value groups records, e.g. sensor_id");
        if (exactlyOne(field, "tumbling, hopping or session", window.tumbling != null, window.hopping != null,
                window.session != null)) {
            if (window.tumbling != null) {
                positiveDuration(field + ".tumbling", window.tumbling);
            } else if (window.hopping != null) {
                Duration size = requiredPositiveDuration(field + ".hopping.size", window.hopping.size);
                Duration advance = requiredPositiveDuration(field + ".hopping.advance", window.hopping.advance);
                if (size != null && advance != null && advance.compareTo(size) > 0) {
                    error(field + ".hopping.advance", "must be ≤ size (" + window.hopping.size + "): a larger advance"
                            + " leaves gaps between windows that no window covers");
                }
            } else {
                requiredPositiveDuration(field + ".session.gap", window.session.gap);
            }
        }
        if (window.allowedLateness != null) {
            duration(field + ".allowedLateness", window.allowedLateness);
        }
        aggregates(field + ".aggregate", window.aggregate, window.keyBy);
    }

    private void aggregates(String field, Map<String, String> aggregate, String keyBy) {
        if (aggregate == null || aggregate.isEmpty()) {
            error(field, "is required: list output field: aggregate pairs, e.g. readings: count(), avg_c: avg(temp_c)");
            return;
        }
        aggregate.forEach((name, text) -> {
            if (outputName(field + "." + name, name)
                    && (name.equals(keyBy) || name.equals("window_start") || name.equals("window_end"))) {
                error(field + "." + name, "every window output record has the key field (" + keyBy + "), window_start"
                        + " and window_end: give this aggregate another name");
            }
            try {
                AggregateCall.parse(text);
            } catch (ExpressionException e) {
                error(field + "." + name, oneLine(e.getMessage()));
            }
        });
    }

    private void checkpoints(CheckpointSpec checkpoints) {
        if (checkpoints == null) {
            return;
        }
        location("spec.checkpoints.location", checkpoints.location, "s3://bucket/prefix, or file:///path for local runs");
        positiveDuration("spec.checkpoints.interval", checkpoints.interval);
        positiveDuration("spec.checkpoints.savepointTimeout", checkpoints.savepointTimeout);
        if (checkpoints.retain != null && checkpoints.retain < 1) {
            error("spec.checkpoints.retain", "must be ≥ 1 (a restore uses the newest), got " + checkpoints.retain);
        }
        if (checkpoints.s3 != null && checkpoints.s3.endpoint != null
                && !checkpoints.s3.endpoint.matches("^https?://.+")) {
            error("spec.checkpoints.s3.endpoint", "\"" + checkpoints.s3.endpoint + "\" is not an http(s) URL: use e.g."
                    + " http://minio:9000");
        }
        if (checkpoints.s3 != null && checkpoints.s3.credentialsSecret != null
                && blank(checkpoints.s3.credentialsSecret.name)) {
            error("spec.checkpoints.s3.credentialsSecret.name", "is required: the name of a Secret in the job's"
                    + " namespace holding the access key pair");
        }
    }

    private void restoreFrom(StreamJobSpec spec) {
        if (spec.restoreFrom == null) {
            return;
        }
        location("spec.restoreFrom", spec.restoreFrom, "the checkpoint folder of the old job, e.g."
                + " s3://bucket/prefix/weir-old-job");
        if (spec.checkpoints == null || spec.checkpoints.location == null) {
            error("spec.restoreFrom", "needs spec.checkpoints.location: a job restored from a savepoint keeps"
                    + " checkpoints of its own");
        }
    }

    private void location(String field, String location, String use) {
        if (location != null && !(location.startsWith("s3://") && location.length() > "s3://".length()
                || location.startsWith("file://") && location.length() > "file://".length())) {
            error(field, "\"" + location + "\" is neither s3:// nor file://: use " + use);
        }
    }

    private void scaling(ScalingSpec scaling) {
        if (scaling == null) {
            return;
        }
        if (scaling.minReplicas != null && scaling.minReplicas < 0) {
            error("spec.scaling.minReplicas", "must be ≥ 0, got " + scaling.minReplicas
                    + ": use 0 to let an idle job stop");
        }
        if (scaling.maxReplicas != null && scaling.maxReplicas < 1) {
            error("spec.scaling.maxReplicas", "must be ≥ 1, got " + scaling.maxReplicas
                    + ": use minReplicas: 0 to let an idle job stop");
        }
        if (scaling.minReplicasOrDefault() > scaling.maxReplicasOrDefault()) {
            error("spec.scaling.minReplicas", "must be ≤ maxReplicas (" + scaling.maxReplicasOrDefault()
                    + (scaling.maxReplicas == null ? ", the default" : "") + "), got " + scaling.minReplicasOrDefault()
                    + ": raise maxReplicas or lower minReplicas");
        }
        if (scaling.maxLagSeconds != null && scaling.maxLagSeconds < 1) {
            error("spec.scaling.maxLagSeconds", "must be ≥ 1, got " + scaling.maxLagSeconds
                    + ": give the seconds of lag the job may fall behind before it scales up");
        }
        positiveDuration("spec.scaling.scaleDownWindow", scaling.scaleDownWindow);
        positiveDuration("spec.scaling.idleTimeout", scaling.idleTimeout);
        positiveDuration("spec.scaling.pollInterval", scaling.pollInterval);
    }

    private void replicasAndResources(StreamJobSpec spec) {
        if (spec.replicas != null && spec.replicas < 0) {
            error("spec.replicas", "must be ≥ 0, got " + spec.replicas + ": 0 stops the job's pods");
        }
        if (spec.resources == null) {
            return;
        }
        quantities("spec.resources.requests", spec.resources.requests);
        quantities("spec.resources.limits", spec.resources.limits);
    }

    private void quantities(String field, ResourcesSpec.Compute compute) {
        if (compute == null) {
            return;
        }
        quantity(field + ".cpu", compute.cpu, "500m or 2");
        quantity(field + ".memory", compute.memory, "512Mi or 2Gi");
    }

    private void quantity(String field, String value, String example) {
        if (value != null && !QUANTITY.matcher(value).matches()) {
            error(field, "'" + value + "' is not a Kubernetes quantity: write e.g. " + example);
        }
    }

    private void tracing(TracingSpec tracing) {
        if (tracing == null) {
            return;
        }
        Double ratio = tracing.sampleRatio;
        if (ratio != null && !(ratio >= 0.0 && ratio <= 1.0)) {
            error("spec.tracing.sampleRatio", "must be between 0 and 1, got " + ratio
                    + ": e.g. 0.1 traces one record in ten");
        }
        if (required("spec.tracing.endpoint", tracing.endpoint,
                "the OTLP gRPC endpoint of the collector, e.g. http://otel-collector:4317")) {
            httpUrl("spec.tracing.endpoint", tracing.endpoint, "http://otel-collector:4317");
        }
    }

    // Checks shared by several fields. Each reports its own error and says whether the value passed.

    private boolean exactlyOne(String field, String choices, boolean... present) {
        int count = 0;
        for (boolean p : present) {
            count += p ? 1 : 0;
        }
        if (count == 0) {
            error(field, "give one of " + choices);
        } else if (count > 1) {
            error(field, "give exactly one of " + choices + ", not several");
        }
        return count == 1;
    }

    private boolean required(String field, String value, String what) {
        if (blank(value)) {
            error(field, "is required: give " + what);
            return false;
        }
        return true;
    }

    private boolean outputName(String field, String name) {
        if (!IDENTIFIER.matcher(name).matches() || CEL_RESERVED.contains(name)) {
            error(field, "\"" + name + "\" is not a valid field name: use letters, digits and _, not starting with a"
                    + " digit and not a CEL keyword, so later steps can read it as a variable");
            return false;
        }
        return true;
    }

    private Expression expression(String field, String source) {
        try {
            return Expression.compile(source);
        } catch (ExpressionException e) {
            error(field, (blank(source) ? "" : "\"" + source + "\" does not compile: ") + oneLine(e.getMessage()));
            return null;
        }
    }

    private Duration duration(String field, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            error(field, e.getMessage());
            return null;
        }
    }

    private void positiveDuration(String field, String text) {
        if (text != null) {
            requiredPositiveDuration(field, text);
        }
    }

    private Duration requiredPositiveDuration(String field, String text) {
        if (blank(text)) {
            error(field, "is required: " + ACCEPTED_DURATION_FORM);
            return null;
        }
        Duration duration = duration(field, text);
        if (duration != null && duration.isZero()) {
            error(field, "must be more than 0s: " + ACCEPTED_DURATION_FORM);
            return null;
        }
        return duration;
    }

    private void httpUrl(String field, String value, String example) {
        if (value == null) {
            return;
        }
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException e) {
            // reported below with the expected form
        }
        error(field, "\"" + value + "\" is not an http:// or https:// URL: use e.g. " + example);
    }

    /** CEL reports compile errors over several lines with a caret under the column; one line fits a condition. */
    private static String oneLine(String celMessage) {
        Matcher error = CEL_ERROR.matcher(celMessage);
        List<String> lines = new ArrayList<>();
        while (error.find()) {
            lines.add(error.group(3) + " (column " + error.group(2)
                    + ("1".equals(error.group(1)) ? "" : ", line " + error.group(1)) + ")");
        }
        return lines.isEmpty() ? celMessage : String.join("; ", lines);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private void error(String field, String message) {
        errors.add(new ValidationError(field, message));
    }
}

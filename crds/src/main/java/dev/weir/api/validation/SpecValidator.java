package dev.weir.api.validation;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.Durations;
import dev.weir.api.EventTimeSpec;
import dev.weir.api.KinesisLayout;
import dev.weir.api.ProcessingGuarantee;
import dev.weir.api.ResourcesSpec;
import dev.weir.api.ScalingSpec;
import dev.weir.api.SinkSpec;
import dev.weir.api.SourceSpec;
import dev.weir.api.StepSpec;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.TracingSpec;
import dev.weir.api.WindowSpec;
import dev.weir.api.expr.AggregateCall;
import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import dev.weir.api.sql.SqlException;
import dev.weir.api.sql.SqlPipeline;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
    /**
     * The most windows a hopping window may put one record in (size / advance, rounded up). Each record reads and
     * writes every one of its windows' state, and each key holds that many open windows, so the cost of a record and
     * the state of a key grow with it; a thousand already makes a record a thousand times a tumbling window's work.
     */
    public static final int MAX_WINDOWS_PER_RECORD = 1_000;
    private static final Pattern KAFKA_TOPIC = Pattern.compile(SourceSpec.KAFKA_TOPIC);
    /** One bootstrap server as Kafka's client parses it: a host name or address (IPv6 in brackets), a port. */
    private static final Pattern HOST_PORT = Pattern.compile("(?:[0-9a-zA-Z%._-]+|\\[[0-9a-zA-Z%._:-]+\\]):([0-9]{1,5})");
    private static final Pattern TRACE_FIELD = Pattern.compile(TracingSpec.FIELD_NAME);
    /** What a job may be called; see {@link #name}. */
    private static final Pattern JOB_NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    public static final int MAX_NAME_LENGTH = 52;
    private static final String WINDOW_START = "window_start";
    private static final String WINDOW_END = "window_end";

    private final List<ValidationError> errors = new ArrayList<>();

    private SpecValidator() {
    }

    /** The job's name, then its spec. */
    public static List<ValidationError> validate(StreamJob job) {
        SpecValidator validator = new SpecValidator();
        validator.name(job.getMetadata() == null ? null : job.getMetadata().getName());
        validator.errors.addAll(validate(job.getSpec()));
        return List.copyOf(validator.errors);
    }

    /**
     * What the operator deploys: a valid job ({@link #validate(StreamJob)}) that it can also run. A Kinesis job on
     * more than one pod shares its windows between pods through a shuffle stream, each pod's share of the state moving
     * through the job's checkpoints (docs/kinesis.md): so it needs {@code spec.checkpoints.location}; otherwise more
     * than one pod is refused, naming the field that asks for it. Nor can
     * a Kinesis job move between one pod and several while its status lists checkpoints the other layout wrote
     * ({@link KinesisLayout}): that is refused naming the field that moved it, before any pod fails on them.
     */
    public static List<ValidationError> validateForCluster(StreamJob job) {
        List<ValidationError> errors = new ArrayList<>(validate(job));
        StreamJobSpec spec = job.getSpec();
        if (!errors.isEmpty() || spec == null || spec.source == null || spec.source.kinesis == null) {
            return List.copyOf(errors);
        }
        int pods = spec.mostPods();
        boolean scales = spec.scaling != null && spec.scaling.maxReplicasOrDefault() == pods;
        String field = scales ? "spec.scaling.maxReplicas" : "spec.replicas";
        String asked = field + " asks for up to " + pods + (pods == 1 ? " pod" : " pods");
        KinesisLayout layout = KinesisLayout.of(spec).orElseThrow();
        // a job that runs no pod (suspended, or replicas 0 without scaling) reads no checkpoint yet
        boolean runsPods = !Boolean.TRUE.equals(spec.suspend) && pods > 0;
        Optional<String> written = runsPods ? writtenTask(job, layout) : Optional.empty();
        if (written.isPresent()) {
            errors.add(layout == KinesisLayout.SEVERAL_PODS
                    ? new ValidationError(field, "cannot ask for more than one pod (" + asked + ") while the job has"
                    + " checkpoints written on one pod (task " + written.get() + "): a Kinesis job's positions and"
                    + " windows are checkpointed differently on several pods (docs/kinesis.md); set it back to 1, or"
                    + " run the job as a new StreamJob under another name")
                    : new ValidationError(field, "must stay above 1 (" + asked + ") while the job has checkpoints"
                    + " written on several pods (task " + written.get() + "): a Kinesis job's positions and windows"
                    + " are checkpointed differently on one pod (docs/kinesis.md); give 2 or more (autoscaling still"
                    + " takes it down to one pod or zero), or run the job as a new StreamJob under another name"));
            return List.copyOf(errors);
        }
        if (pods <= 1) {
            return List.copyOf(errors);
        }
        if (spec.checkpoints == null || spec.checkpoints.location == null) {
            errors.add(new ValidationError("spec.checkpoints.location", "is required for a Kinesis job on several"
                    + " pods (" + asked + "): each pod's share of the shard positions (and windows) moves between"
                    + " pods through the checkpoints; give one, or run the job on one pod"));
        }
        return List.copyOf(errors);
    }

    /** A checkpoint task in the job's status that the other Kinesis layout wrote, if any. */
    private static Optional<String> writtenTask(StreamJob job, KinesisLayout layout) {
        return KinesisLayout.writtenIn(job.getStatus()).entrySet().stream()
                .filter(task -> task.getValue() != layout).map(Map.Entry::getKey).findFirst();
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
        if (spec.sql == null) {
            pipeline(spec.pipeline);
        } else {
            sql(spec);
        }
        sink("spec.sink", spec.sink, spec.source, "results");
        sink("spec.deadLetter", spec.deadLetter, spec.source, "bad and late records");
        sinksApart(spec);
        sinksOnTheSourcesSystem(spec);
        processingGuarantee(spec);
        checkpoints(spec.checkpoints);
        restoreFrom(spec);
        scaling(spec.scaling);
        replicasAndResources(spec);
        tracing(spec);
    }

    /**
     * The operator names the job's StatefulSet and Service after it: a Service name is a DNS-1035 label, and a
     * StatefulSet's pods carry the label controller-revision-hash, its name plus '-' and up to 10 characters, at most
     * 63 in all.
     */
    private void name(String name) {
        if (blank(name)) {
            error("metadata.name", "is required: name the job, e.g. sensor-aggregates");
        } else if (name.length() > MAX_NAME_LENGTH || !JOB_NAME.matcher(name).matches()) {
            error("metadata.name", "\"" + name + "\" cannot name a job: its StatefulSet and Service take the name, so"
                    + " use at most " + MAX_NAME_LENGTH + " lower-case letters, digits and '-', starting with a letter"
                    + " and ending with a letter or digit");
        }
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
            if (required("spec.source.kafka.bootstrapServers", source.kafka.bootstrapServers,
                    "the brokers as a host:port list, e.g. kafka:9092")) {
                bootstrapServers("spec.source.kafka.bootstrapServers", source.kafka.bootstrapServers);
            }
            if (required("spec.source.kafka.topic", source.kafka.topic, "the topic to read")) {
                kafkaTopic("spec.source.kafka.topic", source.kafka.topic);
            }
        } else {
            required("spec.source.kinesis.stream", source.kinesis.stream, "the Kinesis stream to read");
            required("spec.source.kinesis.region", source.kinesis.region, "the stream's AWS region, e.g. eu-west-1");
            httpUrl("spec.source.kinesis.endpoint", source.kinesis.endpoint, "https://kinesis.eu-west-1.amazonaws.com");
            if (source.kinesis.credentialsSecret != null && blank(source.kinesis.credentialsSecret.name)) {
                error("spec.source.kinesis.credentialsSecret.name", "is required: the name of a Secret in the job's"
                        + " namespace holding the AWS access key pair");
            }
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
            if (required(field + ".kafka.topic", sink.kafka.topic, "the topic " + what + " are written to")) {
                kafkaTopic(field + ".kafka.topic", sink.kafka.topic);
            }
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

    /** The sink and the dead letter on one topic or stream would mix results and dead letters. */
    private void sinksApart(StreamJobSpec spec) {
        SinkSpec sink = spec.sink;
        SinkSpec deadLetter = spec.deadLetter;
        if (sink == null || deadLetter == null) {
            return;
        }
        if (sink.kafka != null && deadLetter.kafka != null && !blank(sink.kafka.topic)
                && sink.kafka.topic.equals(deadLetter.kafka.topic)
                && Objects.equals(brokers(sink.kafka, spec.source), brokers(deadLetter.kafka, spec.source))) {
            error("spec.deadLetter.kafka.topic", "is the sink's topic too (spec.sink.kafka.topic): results and dead"
                    + " letters would mix in one topic: use another topic");
        }
        if (sink.kinesis != null && deadLetter.kinesis != null && !blank(sink.kinesis.stream)
                && sink.kinesis.stream.equals(deadLetter.kinesis.stream)
                && Objects.equals(region(sink.kinesis, spec.source), region(deadLetter.kinesis, spec.source))
                && Objects.equals(sink.kinesis.endpoint, deadLetter.kinesis.endpoint)) {
            error("spec.deadLetter.kinesis.stream", "is the sink's stream too (spec.sink.kinesis.stream): results and"
                    + " dead letters would mix in one stream: use another stream");
        }
    }

    /** A Kafka sink's brokers: its own, or else the source's. */
    private static String brokers(SinkSpec.KafkaSink sink, SourceSpec source) {
        return !blank(sink.bootstrapServers) ? sink.bootstrapServers
                : source == null || source.kafka == null ? null : source.kafka.bootstrapServers;
    }

    /** A Kinesis sink's region: its own, or else the source's. */
    private static String region(SinkSpec.KinesisSink sink, SourceSpec source) {
        return !blank(sink.region) ? sink.region
                : source == null || source.kinesis == null ? null : source.kinesis.region;
    }

    /** Each engine writes where it reads: the Kafka engine to Kafka, the Kinesis engine to Kinesis (docs/engines.md). */
    private void sinksOnTheSourcesSystem(StreamJobSpec spec) {
        if (spec.source == null || (spec.source.kafka == null) == (spec.source.kinesis == null)) {
            return;
        }
        boolean kinesis = spec.source.kinesis != null;
        sinkOnTheSourcesSystem("spec.sink", spec.sink, kinesis);
        sinkOnTheSourcesSystem("spec.deadLetter", spec.deadLetter, kinesis);
        if (kinesis) {
            onTheSourcesServer("spec.sink.kinesis", spec.sink, spec.source.kinesis);
            onTheSourcesServer("spec.deadLetter.kinesis", spec.deadLetter, spec.source.kinesis);
        }
    }

    /** The Kinesis engine writes with the client it reads with: one region, one endpoint. */
    private void onTheSourcesServer(String field, SinkSpec sink, SourceSpec.KinesisSource source) {
        if (sink == null || sink.kinesis == null) {
            return;
        }
        if (!blank(sink.kinesis.region) && !sink.kinesis.region.equals(source.region)) {
            error(field + ".region", "the Kinesis engine writes in the source stream's region (" + source.region
                    + "): leave it out or give the same");
        }
        if (!blank(sink.kinesis.endpoint) && !sink.kinesis.endpoint.equals(source.endpoint)) {
            error(field + ".endpoint", "the Kinesis engine writes to the source stream's endpoint ("
                    + (source.endpoint == null ? "AWS" : source.endpoint) + "): leave it out or give the same");
        }
    }

    private void sinkOnTheSourcesSystem(String field, SinkSpec sink, boolean kinesisSource) {
        if (kinesisSource && sink != null && sink.kafka != null && sink.kinesis == null) {
            error(field + ".kafka", "a Kinesis source writes to Kinesis: the Kinesis engine has no Kafka producer yet;"
                    + " give " + field + ".kinesis (stream)");
        } else if (!kinesisSource && onlyKinesis(sink)) {
            error(field + ".kinesis", "a Kafka source writes to Kafka: the Kafka engine has no Kinesis sink yet; give "
                    + field + ".kafka (topic)");
        }
    }

    private void kafkaTopic(String field, String topic) {
        if (!KAFKA_TOPIC.matcher(topic).matches() || topic.length() > SourceSpec.KAFKA_TOPIC_MAX_LENGTH
                || topic.equals(".") || topic.equals("..")) {
            error(field, "\"" + topic + "\" is not a Kafka topic name: use up to " + SourceSpec.KAFKA_TOPIC_MAX_LENGTH
                    + " letters, digits, '.', '_' and '-' (not . or ..)");
        }
    }

    /** Kafka's client refuses a bootstrap list it cannot parse when the job starts; empty entries it skips. */
    private void bootstrapServers(String field, String servers) {
        boolean valid = false;
        for (String server : servers.split(",")) {
            Matcher hostPort = HOST_PORT.matcher(server.strip());
            if (hostPort.matches() && Integer.parseInt(hostPort.group(1)) >= 1
                    && Integer.parseInt(hostPort.group(1)) <= 65_535) {
                valid = true;
            } else if (!server.isBlank()) {
                valid = false;
                break;
            }
        }
        if (!valid) {
            error(field, "\"" + servers + "\" is not a list of host:port pairs: write e.g. kafka-0:9092,kafka-1:9092");
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
        if (eventTime.allowedLateness != null) {
            duration("spec.eventTime.allowedLateness", eventTime.allowedLateness, true);
        }
    }

    /** The query, and the pipeline it translates to, whose problems are the query's: spec.sql is the field named. */
    private void sql(StreamJobSpec spec) {
        if (spec.pipeline != null && !spec.pipeline.isEmpty()) {
            error("spec.sql", "give spec.sql or spec.pipeline, not both: the query is the pipeline; remove one");
        }
        if (blank(spec.sql)) {
            error("spec.sql", "is empty: write a SELECT query over the source, or remove sql and give pipeline steps");
            return;
        }
        try {
            SpecValidator translated = new SpecValidator();
            translated.pipeline(SqlPipeline.translate(spec));
            translated.errors.forEach(e -> error("spec.sql", "translates to a pipeline where "
                    + e.field().replaceFirst("^spec\\.", "") + " " + e.message()));
        } catch (SqlException e) {
            error("spec.sql", e.getMessage());
        }
    }

    private void pipeline(List<StepSpec> pipeline) {
        if (pipeline == null) {
            return;
        }
        String firstWindow = null;
        RecordFields fields = RecordFields.SOURCE;
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
                filter(field + ".filter", step.filter, fields);
            } else if (step.map != null) {
                fields = map(field + ".map", step.map, fields);
            } else {
                if (firstWindow != null) {
                    error(field + ".window", "a pipeline has at most one window step and " + firstWindow
                            + " is one: aggregate everything in that window; steps after it filter and map the"
                            + " window's output records");
                } else {
                    firstWindow = field + ".window";
                }
                fields = window(field + ".window", step.window, fields);
            }
        }
    }

    /**
     * The fields every record has at a step: those the last map or window before it makes, or, before any, whatever
     * the source records hold ({@link #SOURCE}, names null).
     */
    private record RecordFields(String madeBy, List<String> names) {
        static final RecordFields SOURCE = new RecordFields(null, null);

        boolean known() {
            return names != null;
        }

        @Override
        public String toString() {
            return madeBy + " makes records with exactly " + String.join(", ", names);
        }
    }

    /** An expression reading a field the records at its step never have fails on every record: refused here. */
    private void readsOnly(String field, Expression expression, RecordFields fields) {
        if (expression == null || !fields.known()) {
            return;
        }
        List<String> absent = expression.fields().stream().filter(name -> !fields.names().contains(name)).sorted()
                .toList();
        if (!absent.isEmpty()) {
            error(field, "reads " + String.join(", ", absent) + ", which the records here do not have: " + fields);
        }
    }

    private void filter(String field, String source, RecordFields fields) {
        Expression filter = expression(field, source);
        if (filter != null && !Set.of("bool", "dyn").contains(filter.resultType())) {
            error(field, "\"" + source + "\" yields " + filter.resultType() + ", but a filter must yield bool: write a"
                    + " condition, e.g. temperature > 0.0");
        }
        readsOnly(field, filter, fields);
    }

    /** @return the fields of the records the map makes */
    private RecordFields map(String field, Map<String, String> map, RecordFields fields) {
        if (map.isEmpty()) {
            error(field, "is empty: list output field: CEL expression pairs, e.g. temp_c: (temperature - 32.0) / 1.8;"
                    + " the new record has exactly these fields");
            return RecordFields.SOURCE;
        }
        map.forEach((name, source) -> {
            outputName(field + "." + name, name);
            readsOnly(field + "." + name, expression(field + "." + name, source), fields);
        });
        return new RecordFields(field, List.copyOf(map.keySet()));
    }

    /** @return the fields of the window's output records */
    private RecordFields window(String field, WindowSpec window, RecordFields fields) {
        if (required(field + ".keyBy", window.keyBy, "the field whose value groups records, e.g. sensor_id")
                && fields.known() && !fields.names().contains(window.keyBy)) {
            error(field + ".keyBy", "\"" + window.keyBy + "\" is not a field of the records here: " + fields
                    + "; key by one of them" + (fields.madeBy().endsWith(".map") ? ", or add " + window.keyBy
                    + " to that map" : ""));
        }
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
                } else if (size != null && advance != null) {
                    windowsPerRecord(field + ".hopping", window.hopping, size.toMillis(), advance.toMillis());
                }
            } else {
                requiredPositiveDuration(field + ".session.gap", window.session.gap);
            }
        }
        if (window.allowedLateness != null) {
            duration(field + ".allowedLateness", window.allowedLateness, true);
        }
        aggregates(field + ".aggregate", window.aggregate, window.keyBy, fields);
        if (blank(window.keyBy) || window.aggregate == null || window.aggregate.isEmpty()) {
            return RecordFields.SOURCE;
        }
        List<String> output = new ArrayList<>(List.of(window.keyBy, WINDOW_START, WINDOW_END));
        output.addAll(window.aggregate.keySet());
        return new RecordFields(field, List.copyOf(output));
    }

    private void windowsPerRecord(String field, WindowSpec.Hopping hopping, long size, long advance) {
        long windows = (size + advance - 1) / advance;
        if (windows > MAX_WINDOWS_PER_RECORD) {
            long shortestAdvance = (size + MAX_WINDOWS_PER_RECORD - 1) / MAX_WINDOWS_PER_RECORD;
            error(field + ".advance", hopping.advance + " with hopping.size " + hopping.size + " puts each record in "
                    + windows + " windows (size / advance, rounded up), more than the " + MAX_WINDOWS_PER_RECORD
                    + " allowed: make advance at least " + Durations.format(Duration.ofMillis(shortestAdvance))
                    + ", or size at most " + Durations.format(Duration.ofMillis(advance * MAX_WINDOWS_PER_RECORD)));
        }
    }

    private void aggregates(String field, Map<String, String> aggregate, String keyBy, RecordFields fields) {
        if (aggregate == null || aggregate.isEmpty()) {
            error(field, "is required: list output field: aggregate pairs, e.g. readings: count(), avg_c: avg(temp_c)");
            return;
        }
        aggregate.forEach((name, text) -> {
            if (outputName(field + "." + name, name)
                    && (name.equals(keyBy) || name.equals(WINDOW_START) || name.equals(WINDOW_END))) {
                error(field + "." + name, "every window output record has the key field (" + keyBy + "), "
                        + WINDOW_START + " and " + WINDOW_END + ": give this aggregate another name");
            }
            try {
                readsOnly(field + "." + name, AggregateCall.parse(text).argument(), fields);
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
        if (checkpoints.s3 != null) {
            httpUrl("spec.checkpoints.s3.endpoint", checkpoints.s3.endpoint, "http://minio:9000");
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

    /** A location the checkpoint store opens: {@code s3://bucket/prefix}, or {@code file:///absolute/path}. */
    private void location(String field, String location, String use) {
        if (location == null) {
            return;
        }
        if (!(location.startsWith("s3://") && location.length() > "s3://".length()
                || location.startsWith("file://") && location.length() > "file://".length())) {
            error(field, "\"" + location + "\" is neither s3:// nor file://: use " + use);
            return;
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            error(field, "\"" + location + "\" is not a URI (" + e.getReason().toLowerCase(Locale.ROOT) + " at index "
                    + e.getIndex() + "): use " + use);
            return;
        }
        if (location.startsWith("s3://") && blank(uri.getAuthority())) {
            error(field, "\"" + location + "\" names no bucket: use " + use);
        } else if (location.startsWith("file://") && (uri.getAuthority() != null || !uri.getPath().startsWith("/"))) {
            error(field, "\"" + location + "\" is not an absolute folder (a file:// location has three slashes, file:///"
                    + location.substring("file://".length()) + "): use " + use);
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

    private void tracing(StreamJobSpec spec) {
        TracingSpec tracing = spec.tracing;
        if (tracing == null) {
            return;
        }
        if (tracing.payloadField != null) {
            if (spec.source != null && spec.source.kinesis == null) {
                error("spec.tracing.payloadField", "applies to a Kinesis source only: Kafka records carry the trace"
                        + " context in their traceparent header; remove the field");
            } else if (!TRACE_FIELD.matcher(tracing.payloadField).matches()) {
                error("spec.tracing.payloadField", "'" + tracing.payloadField + "' cannot name the payload field of"
                        + " the trace context: use up to 128 letters, digits, '_', '-' and '.', starting with a letter"
                        + " or '_', e.g. traceparent");
            }
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

    /** Whether later steps can read a field of this name as a CEL variable, as map and aggregate outputs must be. */
    public static boolean isFieldName(String name) {
        return IDENTIFIER.matcher(name).matches() && !CEL_RESERVED.contains(name);
    }

    private boolean outputName(String field, String name) {
        if (!isFieldName(name)) {
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

    /** Reports a duration that does not parse or is not whole milliseconds, the unit event times and windows use. */
    private Duration duration(String field, String text, boolean zeroAllowed) {
        Duration duration;
        try {
            duration = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            error(field, e.getMessage());
            return null;
        }
        Duration millis = duration.truncatedTo(ChronoUnit.MILLIS);
        if (!millis.equals(duration)) {
            error(field, "\"" + text + "\" is not a whole number of milliseconds, the unit Weir counts time in: use "
                    + (millis.isZero() && !zeroAllowed ? "" : Durations.format(millis) + " or ")
                    + Durations.format(millis.plusMillis(1)));
            return null;
        }
        return duration;
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
        Duration duration = duration(field, text, false);
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

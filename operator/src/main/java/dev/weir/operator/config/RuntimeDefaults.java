package dev.weir.operator.config;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.SourceSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the operator gives every job's runtime pods beyond the image, read from its environment (the Helm chart's
 * {@code runtime.*} and {@code jobDefaults.*} values).
 *
 * @param serviceAccount     the pods' ServiceAccount ({@value #SERVICE_ACCOUNT}); absent: the namespace's default
 * @param imagePullPolicy    the runtime container's pull policy ({@value #IMAGE_PULL_POLICY}); absent: Kubernetes'
 *                           default for the tag
 * @param checkpointLocation {@code spec.checkpoints.location} of jobs without one ({@value #CHECKPOINT_LOCATION})
 * @param tracingEndpoint    {@code spec.tracing.endpoint} of jobs without {@code spec.tracing}
 *                           ({@value #TRACING_ENDPOINT})
 * @param kinesisDynamoDbEndpoint where Kinesis jobs' pods keep their Kinesis Client Library lease tables
 *                           ({@value #KINESIS_DYNAMODB_ENDPOINT}, which the pods get too); absent: DynamoDB of the
 *                           stream's region
 */
public record RuntimeDefaults(Optional<String> serviceAccount, Optional<String> imagePullPolicy,
                              Optional<String> checkpointLocation, Optional<String> tracingEndpoint,
                              Optional<String> kinesisDynamoDbEndpoint) {
    public static final String SERVICE_ACCOUNT = "WEIR_RUNTIME_SERVICE_ACCOUNT";
    public static final String IMAGE_PULL_POLICY = "WEIR_RUNTIME_IMAGE_PULL_POLICY";
    public static final String CHECKPOINT_LOCATION = "WEIR_DEFAULT_CHECKPOINT_LOCATION";
    public static final String TRACING_ENDPOINT = "WEIR_DEFAULT_TRACING_ENDPOINT";
    /** The operator's variable, and the pods': the runtime reads it as {@code weir.kinesis.dynamodb-endpoint}. */
    public static final String KINESIS_DYNAMODB_ENDPOINT = "WEIR_KINESIS_DYNAMODB_ENDPOINT";
    public static final RuntimeDefaults NONE = new RuntimeDefaults(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    /** Reads the variables, refusing a value the pods or the job file could not use, named with its fix. */
    static RuntimeDefaults fromEnvironment(Map<String, String> env) {
        Optional<String> pullPolicy = OperatorConfig.nonBlank(env.get(IMAGE_PULL_POLICY));
        if (pullPolicy.isPresent() && !PULL_POLICIES.contains(pullPolicy.get())) {
            throw new IllegalArgumentException(IMAGE_PULL_POLICY + "=" + pullPolicy.get()
                    + " is not a pull policy: use one of Always, IfNotPresent, Never, or leave it unset");
        }
        Optional<String> checkpoints = OperatorConfig.nonBlank(env.get(CHECKPOINT_LOCATION));
        if (checkpoints.isPresent() && !checkpoints.get().matches(CheckpointSpec.LOCATION_PATTERN)) {
            throw new IllegalArgumentException(CHECKPOINT_LOCATION + "=" + checkpoints.get()
                    + " is not a checkpoint location: use s3://bucket/prefix or file:///path, or leave it unset");
        }
        Optional<String> tracing = OperatorConfig.nonBlank(env.get(TRACING_ENDPOINT));
        if (tracing.isPresent() && !tracing.get().matches(SourceSpec.HTTP_URL)) {
            throw new IllegalArgumentException(TRACING_ENDPOINT + "=" + tracing.get()
                    + " is not an OTLP endpoint: use http(s)://host:port, e.g. http://otel-collector:4317,"
                    + " or leave it unset");
        }
        Optional<String> dynamoDb = OperatorConfig.nonBlank(env.get(KINESIS_DYNAMODB_ENDPOINT));
        if (dynamoDb.isPresent() && !dynamoDb.get().matches(SourceSpec.HTTP_URL)) {
            throw new IllegalArgumentException(KINESIS_DYNAMODB_ENDPOINT + "=" + dynamoDb.get()
                    + " is not an endpoint: use http(s)://host:port, e.g. http://moto.kinesis:5000, or leave it unset"
                    + " for DynamoDB of each stream's region");
        }
        return new RuntimeDefaults(OperatorConfig.nonBlank(env.get(SERVICE_ACCOUNT)), pullPolicy, checkpoints, tracing,
                dynamoDb);
    }
}

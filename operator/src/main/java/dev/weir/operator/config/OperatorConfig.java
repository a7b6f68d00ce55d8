package dev.weir.operator.config;

import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the operator runs, read from its environment (the Helm chart sets these variables).
 *
 * @param runtimeImage    the runtime image of jobs that do not override it ({@value #RUNTIME_IMAGE})
 * @param watchNamespaces the namespaces whose StreamJobs are reconciled; empty means all ({@value #WATCH_NAMESPACES})
 * @param leaseNamespace  where the leader-election Lease lives; absent means no leader election
 *                        ({@value #LEASE_NAMESPACE})
 * @param leaseIdentity   this replica's name in the Lease ({@value #LEASE_IDENTITY}, the pod name); absent means the
 *                        host name
 * @param exitOnLostLeadership whether losing the Lease ends the process, so that a replica that is no longer the
 *                        leader never reconciles alongside the new one; always so from the environment, only code
 *                        that embeds the operator (the ITs) stops it itself instead
 * @param runtimeDefaults the runtime pods' service account and pull policy, and the job defaults
 */
public record OperatorConfig(String runtimeImage, Set<String> watchNamespaces, Optional<String> leaseNamespace,
                             Optional<String> leaseIdentity, boolean exitOnLostLeadership,
                             RuntimeDefaults runtimeDefaults) {
    public static final String RUNTIME_IMAGE = "WEIR_RUNTIME_IMAGE";
    public static final String WATCH_NAMESPACES = "WATCH_NAMESPACES";
    public static final String LEASE_NAMESPACE = "WEIR_LEADER_ELECTION_NAMESPACE";
    public static final String LEASE_IDENTITY = "POD_NAME";
    /** Where the lease tables are, for the lag probe and the pods alike ({@link RuntimeDefaults}). */
    public static final String KINESIS_LEASE_ENDPOINT = RuntimeDefaults.KINESIS_DYNAMODB_ENDPOINT;
    /** The name of the leader-election Lease. */
    public static final String LEASE_NAME = "weir-operator";

    public OperatorConfig {
        watchNamespaces = Set.copyOf(watchNamespaces);
    }

    /** Without runtime defaults, as the ITs run it. */
    public OperatorConfig(String runtimeImage, Set<String> watchNamespaces, Optional<String> leaseNamespace,
                          Optional<String> leaseIdentity, boolean exitOnLostLeadership) {
        this(runtimeImage, watchNamespaces, leaseNamespace, leaseIdentity, exitOnLostLeadership, RuntimeDefaults.NONE);
    }

    public static OperatorConfig fromEnvironment(Map<String, String> env) {
        String image = env.getOrDefault(RUNTIME_IMAGE, "").trim();
        if (image.isEmpty()) {
            throw new IllegalArgumentException(RUNTIME_IMAGE + " is not set: give the Weir runtime image that job pods"
                    + " run, e.g. " + RUNTIME_IMAGE + "=registry.example.com/weir/runtime:0.1.0");
        }
        Set<String> namespaces = Arrays.stream(env.getOrDefault(WATCH_NAMESPACES, "").split(","))
                .map(String::trim)
                .filter(namespace -> !namespace.isEmpty())
                .collect(Collectors.toSet());
        return new OperatorConfig(image, namespaces, nonBlank(env.get(LEASE_NAMESPACE)),
                nonBlank(env.get(LEASE_IDENTITY)), true, RuntimeDefaults.fromEnvironment(env));
    }

    /** Runs without leader election: in all namespaces or the given ones. */
    public static OperatorConfig withoutLeaderElection(String runtimeImage, Set<String> watchNamespaces) {
        return new OperatorConfig(runtimeImage, watchNamespaces, Optional.empty(), Optional.empty(), true);
    }

    public static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
    }

    /**
     * Where the lag probe reads Kinesis jobs' lease tables: the DynamoDB-compatible server the pods keep them in
     * ({@value #KINESIS_LEASE_ENDPOINT}); absent means AWS's DynamoDB of the stream's region.
     */
    public Optional<URI> kinesisLeaseEndpoint() {
        return runtimeDefaults.kinesisDynamoDbEndpoint().map(URI::create);
    }

    public boolean watchesAllNamespaces() {
        return watchNamespaces.isEmpty();
    }
}

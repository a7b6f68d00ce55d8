package dev.weir.operator;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.StaticCredentials;
import dev.weir.operator.autoscaler.Tuning;
import dev.weir.operator.checkpoints.JobStore;
import dev.weir.operator.config.LogLevel;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.cleanup.KinesisLeftovers;
import dev.weir.operator.lag.KafkaLagProbe;
import dev.weir.operator.lag.KinesisConnections;
import dev.weir.operator.lag.KinesisLagProbe;
import dev.weir.operator.lag.LagProbe;
import dev.weir.operator.lag.LagProbes;
import dev.weir.operator.observe.Autoscaling;
import dev.weir.operator.observe.ScalingMetrics;
import dev.weir.operator.status.StatusMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The Weir operator: reconciles StreamJobs into runtime pods. Runs in a cluster (its service account) or outside one
 * (the current kubeconfig context); configured by the environment, see {@link OperatorConfig}.
 */
public final class WeirOperator {

    private WeirOperator() {
    }

    public static void main(String[] args) throws IOException {
        OperatorConfig config;
        ReconcileTracing tracing;
        int port;
        try {
            LogLevel.fromEnvironment(System.getenv()).apply();
            config = OperatorConfig.fromEnvironment(System.getenv());
            tracing = ReconcileTracing.fromEnvironment(System.getenv());
            port = Integer.parseInt(System.getenv().getOrDefault(OperatorEndpoints.PORT,
                    String.valueOf(OperatorEndpoints.DEFAULT_PORT)));
        } catch (IllegalArgumentException e) {
            System.err.println("weir-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Operator operator = start(new KubernetesClientBuilder().build(), config,
                MicrometerMetrics.withoutPerResourceMetrics(registry), registry, tracing);
        OperatorEndpoints endpoints = OperatorEndpoints.start(port, operator, registry);
        Runtime.getRuntime().addShutdownHook(new Thread(endpoints::close, "weir-operator-endpoints"));
        Runtime.getRuntime().addShutdownHook(new Thread(tracing::close, "weir-operator-tracing"));
        operator.installShutdownHook(Duration.ofSeconds(10));
    }

    /** {@link #start(KubernetesClient, OperatorConfig, Metrics, MeterRegistry)} keeping autoscaling metrics apart. */
    public static Operator start(KubernetesClient client, OperatorConfig config, Metrics metrics) {
        return start(client, config, metrics, new SimpleMeterRegistry());
    }

    /** {@link #start(KubernetesClient, OperatorConfig, Metrics, MeterRegistry, ReconcileTracing)} without traces. */
    public static Operator start(KubernetesClient client, OperatorConfig config, Metrics metrics,
                                 MeterRegistry registry) {
        return start(client, config, metrics, registry, ReconcileTracing.OFF);
    }

    /**
     * Starts the operator on {@code client}, reporting reconciles to {@code metrics} and lag and scaling decisions to
     * {@code registry}, tracing reconciles to {@code tracing}; the caller stops it (and closes {@code tracing}).
     */
    public static Operator start(KubernetesClient client, OperatorConfig config, Metrics metrics,
                                 MeterRegistry registry, ReconcileTracing tracing) {
        Operator operator = new Operator(overrider -> {
            overrider.withKubernetesClient(client).withMetrics(metrics);
            config.leaseNamespace().ifPresent(namespace -> overrider.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(OperatorConfig.LEASE_NAME, namespace,
                            LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                            LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                            LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                            config.leaseIdentity().orElse(null), null, config.exitOnLostLeadership())));
        });
        AwsCredentialsProvider own = DefaultCredentialsProvider.builder().build();
        KinesisConnections kinesis = new KinesisConnections(job -> kinesisCredentials(client, job, own),
                config.kinesisLeaseEndpoint());
        LagProbe probes = new LagProbes(List.of(new KafkaLagProbe(Clock.systemUTC()),
                new KinesisLagProbe(Clock.systemUTC(), kinesis)));
        Autoscaling autoscaling = new Autoscaling(probes, Clock.systemUTC(),
                Tuning.defaults(), new ScalingMetrics(registry));
        operator.register(new StreamJobReconciler(config, autoscaling, new KinesisLeftovers(kinesis),
                tracing, new StatusMetrics(registry)), controller -> {
            if (!config.watchesAllNamespaces()) {
                controller.settingNamespaces(config.watchNamespaces());
            }
        });
        operator.start();
        return operator;
    }

    /**
     * What the Kinesis lag probe reads a job's stream and lease table with: the key pair of the job's
     * {@code spec.source.kinesis.credentialsSecret}, read from the Secret at each resolve (so a rotated key is used at
     * once; errors name the field, never a value), or else the operator's own identity.
     */
    static KinesisConnections.Credentials kinesisCredentials(KubernetesClient client, StreamJob job,
                                                          AwsCredentialsProvider own) {
        CheckpointSpec.CredentialsSecret ref = job.getSpec().source.kinesis.credentialsSecret;
        if (ref == null) {
            return new KinesisConnections.Credentials("the operator's", own);
        }
        String namespace = job.getMetadata().getNamespace();
        AwsCredentialsProvider fromSecret = () -> {
            StaticCredentials keys = JobStore.credentials(ref, namespace, client,
                    "spec.source.kinesis.credentialsSecret");
            return AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey());
        };
        return new KinesisConnections.Credentials("Secret " + namespace + "/" + ref.name, fromSecret);
    }
}

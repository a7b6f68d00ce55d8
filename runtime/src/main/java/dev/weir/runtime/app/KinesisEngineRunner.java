package dev.weir.runtime.app;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.JobFiles;
import dev.weir.api.KinesisLayout;
import dev.weir.api.SourceSpec;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.DaemonThreads;
import dev.weir.kinesis.KinesisClients;
import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import dev.weir.kinesis.engine.KinesisEngine;
import dev.weir.kinesis.engine.KinesisEngineSettings;
import dev.weir.kinesis.engine.KinesisJobEngine;
import dev.weir.kinesis.engine.KinesisShuffleEngine;
import dev.weir.kinesis.engine.ShuffleSettings;
import dev.weir.runtime.pipeline.Engine;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.state.JobCheckpointStores;
import dev.weir.runtime.tracing.JobTracing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Pod mode with a Kinesis source: starts the Kinesis engine at boot and stops it (with a last checkpoint) at shutdown.
 * Health comes from {@link EngineHealth}; the metrics are the Kafka engine's ({@link JobMetrics}) plus each shard's
 * milliseconds behind the newest record. With the Kafka engine this bean does nothing.
 */
@ApplicationScoped
public class KinesisEngineRunner {
    private static final Logger LOG = Logger.getLogger(KinesisEngineRunner.class);
    /** Per shard, how far behind the newest record its last read was; tag {@code shard}. */
    public static final String MILLIS_BEHIND_LATEST = "weir.kinesis.millis.behind.latest";

    @ConfigProperty(name = WeirMain.JOB_FILE_PROPERTY)
    String jobFile;

    @ConfigProperty(name = PodSettings.ENGINE_PROPERTY, defaultValue = PodSettings.KAFKA)
    String engineName;

    @ConfigProperty(name = "kafka-streams.state.dir")
    Path stateDir;

    /** Where the Kinesis Client Library's lease tables are; absent: DynamoDB of the stream's region. */
    @ConfigProperty(name = "weir.kinesis.dynamodb-endpoint")
    Optional<URI> dynamoDbEndpoint;

    /** How long a pod's lease on a shard lasts without renewal (KCL's failover time). */
    @ConfigProperty(name = "weir.kinesis.lease-duration", defaultValue = "10s")
    Duration leaseDuration;

    @ConfigProperty(name = "weir.kinesis.leader-lease", defaultValue = "2m")
    Duration leaderLease;

    @ConfigProperty(name = "weir.kinesis.shard-sync-interval", defaultValue = "1m")
    Duration shardSyncInterval;

    private KinesisJobEngine engine;
    private KinesisClients clients;
    private Optional<JobTracing> tracing = Optional.empty();
    private ScheduledExecutorService gauges;
    private Optional<SavepointRequestWatcher> savepointRequests = Optional.empty();

    void start(@Observes StartupEvent event, MeterRegistry registry) throws Exception {
        if (!PodSettings.KINESIS.equals(engineName)) {
            return;
        }
        StreamJob job = JobFiles.read(Path.of(jobFile));
        SourceSpec.KinesisSource source = job.getSpec().source.kinesis;
        clients = KinesisClients.create(new KinesisClients.Endpoints(Region.of(source.region),
                        Optional.ofNullable(source.endpoint).map(URI::create), dynamoDbEndpoint, dynamoDbEndpoint),
                DefaultCredentialsProvider.builder().build());
        String application = ConsumerGroups.of(job);
        String worker = Optional.ofNullable(System.getenv(PodSettings.POD_NAME_ENV)).filter(n -> !n.isBlank())
                .orElse("weir") + "-" + UUID.randomUUID();
        KinesisSourceSettings reads = KinesisSourceSettings.defaults(application, source.stream, worker)
                .withTimings(leaseDuration, leaderLease, shardSyncInterval, Duration.ofSeconds(10));
        Duration interval = job.getSpec().checkpoints == null ? Duration.ofSeconds(30)
                : job.getSpec().checkpoints.intervalOrDefault();
        KinesisEngineSettings settings = new KinesisEngineSettings(reads, KinesisSinkSettings.defaults(), false,
                interval);
        JobMetrics metrics = new JobMetrics(registry);
        tracing = JobTracing.of(job, System.getenv(PodSettings.POD_NAME_ENV),
                System.getenv(JobTracing.JOB_GENERATION_ENV));
        RecordListener listener = tracing.map(t -> metrics.andThen(t.listener())).orElse(metrics);
        var checkpoints = JobCheckpointStores.open(job);
        if (checkpoints.isEmpty()) {
            LOG.warnf("job %s has no spec.checkpoints.location: a Kinesis job then keeps no state across restarts,"
                    + " and reads its stream again from %s after one", job.getMetadata().getName(),
                    source.startingPosition == null ? "TRIM_HORIZON" : source.startingPosition);
        }
        Optional<ShuffleSettings> shuffle = ShuffleSettings.of(job);
        if (shuffle.isPresent()) {
            // the validator refuses a job on several pods without checkpoints: its tasks' state moves through them
            engine = new KinesisShuffleEngine(job, settings, shuffle.get(), clients, listener, checkpoints.orElseThrow(
                    () -> new IllegalStateException("a Kinesis job on several pods needs spec.checkpoints.location")),
                    JobCheckpointStores.restoreFrom(job), stateDir.resolve(application));
            if (KinesisLayout.shuffles(job.getSpec())) {
                LOG.infof("job %s runs on up to %d pods: keyed records cross the shuffle stream %s",
                        job.getMetadata().getName(), shuffle.get().shards(), shuffle.get().stream());
            } else {
                LOG.infof("job %s runs on up to %d pods, each reading its share of the shards (no window, so no"
                        + " shuffle)", job.getMetadata().getName(), shuffle.get().shards());
            }
        } else {
            engine = new KinesisEngine(job, settings, clients, listener, checkpoints,
                    JobCheckpointStores.restoreFrom(job), stateDir.resolve(application));
        }
        engine.start();
        if (checkpoints.isPresent()) {
            // the operator's on-demand savepoints (suspend, delete): the engine's tasks on this pod, per request
            KinesisJobEngine started = engine;
            SavepointRequestWatcher watcher = new SavepointRequestWatcher(Path.of(jobFile), () -> started.savepoint()
                    .whenComplete((id, e) -> {
                        if (e != null) {
                            LOG.errorf("the requested savepoint failed: %s", e.getMessage());
                        } else {
                            LOG.infof("savepoint %s written on request", id);
                        }
                    }));
            watcher.running(true);
            savepointRequests = Optional.of(watcher);
        }
        Set<String> shardsWithGauge = new HashSet<>();
        gauges = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kinesis-shard-gauges"));
        gauges.scheduleWithFixedDelay(() -> {
            for (String shard : engine.millisBehindLatest().keySet()) {
                if (shardsWithGauge.add(shard)) {
                    Gauge.builder(MILLIS_BEHIND_LATEST, engine, e -> e.millisBehindLatest().getOrDefault(shard, -1L))
                            .tag("shard", shard).register(registry);
                }
            }
        }, 1, 5, TimeUnit.SECONDS);
    }

    /** The running engine, when the job reads Kinesis. */
    Optional<Engine> engine() {
        return Optional.ofNullable(engine);
    }

    @PreDestroy
    void stop() {
        savepointRequests.ifPresent(SavepointRequestWatcher::close);
        if (gauges != null) {
            gauges.shutdownNow();
        }
        if (engine != null) {
            engine.close();
        }
        tracing.ifPresent(JobTracing::close);
        if (clients != null) {
            clients.close();
        }
    }
}

package dev.weir.runtime.app;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.JobTopics;
import dev.weir.runtime.kafka.StreamsClients;
import dev.weir.runtime.kafka.StreamsTopology;
import dev.weir.runtime.kafka.state.CheckpointMetrics;
import dev.weir.runtime.kafka.state.JobCheckpoints;
import dev.weir.runtime.kafka.state.StateCheckpointer;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.JobMetrics;
import dev.weir.runtime.pipeline.RecordListener;
import dev.weir.runtime.tracing.JobTracing;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Builds the job's topology for the Quarkus Kafka Streams extension, which runs it (pod mode). */
@ApplicationScoped
public class JobTopologyProducer {
    private static final Logger LOG = Logger.getLogger(JobTopologyProducer.class);

    @ConfigProperty(name = WeirMain.JOB_FILE_PROPERTY)
    String jobFile;

    @ConfigProperty(name = "weir.progress-interval", defaultValue = "1s")
    Duration progressInterval;

    @ConfigProperty(name = "kafka-streams.state.dir")
    Path stateDir;

    /** Absent when the job has no checkpoint location. */
    private Optional<StateCheckpointer> checkpointer = Optional.empty();
    private Optional<SavepointRequestWatcher> savepointRequests = Optional.empty();
    /** Absent when the job has no spec.tracing. */
    private Optional<JobTracing> tracing = Optional.empty();

    @Produces
    @Singleton
    CheckpointMetrics checkpointMetrics(MeterRegistry registry) {
        return new CheckpointMetrics(registry);
    }

    /** Singleton, not a normal scope: KafkaStreams reads the topology's fields, which a client proxy would hide. */
    @Produces
    @Singleton
    Topology topology(MeterRegistry registry, CheckpointMetrics checkpointMetrics)
            throws InvalidJobException, InterruptedException {
        StreamJob job = JobFiles.read(Path.of(jobFile));
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        JobTopics topics = JobTopics.of(job.getSpec());
        int partitions = sourcePartitions(job.getSpec().source.kafka.bootstrapServers, topics.source());
        LOG.infof("job %s: %s (%d partitions) → %s, dead letters → %s", job.getMetadata().getName(),
                topics.source(), partitions, topics.sink(), topics.deadLetter());
        checkpointer = JobCheckpoints.of(job, stateDir, checkpointMetrics);
        checkpointer.ifPresent(c -> LOG.infof("state checkpoints every %s to %s", job.getSpec().checkpoints
                .intervalOrDefault(), job.getSpec().checkpoints.location));
        savepointRequests = checkpointer.map(c -> new SavepointRequestWatcher(Path.of(jobFile), c));
        JobMetrics metrics = new JobMetrics(registry);
        tracing = JobTracing.of(job, System.getenv(PodSettings.POD_NAME_ENV),
                System.getenv(JobTracing.JOB_GENERATION_ENV));
        RecordListener listener = tracing.map(t -> metrics.andThen(t.listener())).orElse(metrics);
        return StreamsTopology.build(compiled, topics, partitions, listener, progressInterval,
                compiled.idleTimeout(), checkpointer.orElse(null));
    }

    /**
     * Kafka Streams' clients (the extension uses this bean): with checkpoints, a main consumer that reports assigned
     * tasks so their checkpoints download side by side; the topology parameter makes CDI build the checkpointer first.
     */
    @Produces
    @Singleton
    KafkaClientSupplier clientSupplier(Topology topology) {
        return checkpointer.map(c -> c.clientSupplier(topology)).orElseGet(StreamsClients::new);
    }

    /**
     * Kafka Streams' state listener (the extension installs it): savepoints at a graceful shutdown, and on-demand
     * savepoints once the tasks run.
     */
    @Produces
    @Singleton
    KafkaStreams.StateListener stateListener() {
        return (now, before) -> {
            checkpointer.ifPresent(c -> c.onStateChange(now, before));
            savepointRequests.ifPresent(watcher -> watcher.onStateChange(now));
        };
    }

    @PreDestroy
    void close() {
        savepointRequests.ifPresent(SavepointRequestWatcher::close);
        checkpointer.ifPresent(StateCheckpointer::close);
        tracing.ifPresent(JobTracing::close);
    }

    /** Waits for the source topic to exist: the watermark needs its partition count. */
    private static int sourcePartitions(String bootstrap, String topic) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (true) {
                try {
                    return admin.describeTopics(java.util.List.of(topic)).allTopicNames()
                            .get(30, TimeUnit.SECONDS).get(topic).partitions().size();
                } catch (ExecutionException | TimeoutException e) {
                    LOG.warnf("waiting for source topic %s on %s: %s", topic, bootstrap, e.getMessage());
                    Thread.sleep(Duration.ofSeconds(5).toMillis());
                }
            }
        }
    }
}

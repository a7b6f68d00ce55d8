package dev.weir.runtime.app;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.runtime.kafka.JobTopics;
import dev.weir.runtime.kafka.RecordSizes;
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
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Builds the job's topology for the Quarkus Kafka Streams extension, which runs it (pod mode, the Kafka engine). With
 * the Kinesis engine ({@link KinesisEngineRunner}) these beans are not looked up, so the extension starts no Kafka
 * Streams.
 */
@ApplicationScoped
public class JobTopologyProducer {
    private static final Logger LOG = Logger.getLogger(JobTopologyProducer.class);

    @ConfigProperty(name = WeirMain.JOB_FILE_PROPERTY)
    String jobFile;

    @ConfigProperty(name = "weir.progress-interval", defaultValue = "1s")
    Duration progressInterval;

    @ConfigProperty(name = "kafka-streams.state.dir")
    Path stateDir;

    /** How long the pod waits for the source topic before it fails (and Kubernetes restarts it, visibly). */
    @ConfigProperty(name = "weir.source-topic-wait", defaultValue = "5m")
    Duration sourceTopicWait;

    /** Kafka Streams' producers take {@code producer.}-prefixed keys before plain ones. */
    @ConfigProperty(name = "kafka-streams.producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG)
    Optional<Integer> producerMaxRequestSize;

    @ConfigProperty(name = "kafka-streams." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG)
    Optional<Integer> maxRequestSize;

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
    @LookupIfProperty(name = PodSettings.ENGINE_PROPERTY, stringValue = PodSettings.KAFKA, lookupIfMissing = true)
    Topology topology(MeterRegistry registry, CheckpointMetrics checkpointMetrics)
            throws InvalidJobException, InterruptedException {
        StreamJob job = JobFiles.read(Path.of(jobFile));
        CompiledJob compiled = CompiledJob.compile(job.getSpec());
        JobTopics topics = JobTopics.of(job.getSpec());
        String bootstrap = job.getSpec().source.kafka.bootstrapServers;
        int partitions;
        RecordSizes sizes;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            partitions = sourcePartitions(admin, bootstrap, topics.source(), sourceTopicWait);
            sizes = recordSizes(admin, topics);
        }
        LOG.infof("job %s: %s (%d partitions) → %s, dead letters → %s", job.getMetadata().getName(),
                topics.source(), partitions, topics.sink(), topics.deadLetter());
        checkpointer = JobCheckpoints.of(job, stateDir, checkpointMetrics);
        checkpointer.ifPresent(c -> LOG.infof("state checkpoints every %s to %s", job.getSpec().checkpoints
                .intervalOrDefault(), job.getSpec().checkpoints.location));
        savepointRequests = checkpointer.map(c -> new SavepointRequestWatcher(Path.of(jobFile), c::requestSavepoint));
        JobMetrics metrics = new JobMetrics(registry);
        tracing = JobTracing.of(job, System.getenv(PodSettings.POD_NAME_ENV),
                System.getenv(JobTracing.JOB_GENERATION_ENV));
        RecordListener listener = tracing.map(t -> metrics.andThen(t.listener())).orElse(metrics);
        return StreamsTopology.build(compiled, topics, partitions, listener, progressInterval,
                compiled.idleTimeout(), checkpointer.orElse(null), sizes);
    }

    /**
     * Kafka Streams' clients (the extension uses this bean): with checkpoints, a main consumer that reports assigned
     * tasks so their checkpoints download side by side; the topology parameter makes CDI build the checkpointer first.
     */
    @Produces
    @Singleton
    @LookupIfProperty(name = PodSettings.ENGINE_PROPERTY, stringValue = PodSettings.KAFKA, lookupIfMissing = true)
    KafkaClientSupplier clientSupplier(Topology topology) {
        return checkpointer.map(c -> c.clientSupplier(topology)).orElseGet(StreamsClients::new);
    }

    /**
     * Kafka Streams' state listener (the extension installs it): savepoints at a graceful shutdown, and on-demand
     * savepoints once the tasks run.
     */
    @Produces
    @Singleton
    @LookupIfProperty(name = PodSettings.ENGINE_PROPERTY, stringValue = PodSettings.KAFKA, lookupIfMissing = true)
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

    /** Waits for the source topic to exist, at most {@code wait}: the watermark needs its partition count. */
    private static int sourcePartitions(Admin admin, String bootstrap, String topic, Duration wait)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        String last;
        do {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(topic).partitions().size();
            } catch (ExecutionException | TimeoutException e) {
                last = e.getMessage();
                LOG.warnf("waiting for source topic %s on %s: %s", topic, bootstrap, last);
                Thread.sleep(Duration.ofSeconds(5).toMillis());
            }
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("spec.source.kafka.topic: topic " + topic + " was not readable on " + bootstrap
                + " for " + wait.toSeconds() + "s (" + last + "): create it, or fix spec.source.kafka.topic or"
                + " bootstrapServers; weir.source-topic-wait sets how long a pod waits");
    }

    /**
     * The largest record the job may write: its producer's max.request.size, and the sink's and dead-letter topic's
     * max.message.bytes where they can be read (a topic not created yet gets the broker's default, which is larger
     * than the producer's).
     */
    private RecordSizes recordSizes(Admin admin, JobTopics topics) throws InterruptedException {
        int limit = producerMaxRequestSize.or(() -> maxRequestSize).orElse(RecordSizes.KAFKA_DEFAULT);
        List<ConfigResource> resources = List.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.sink()),
                new ConfigResource(ConfigResource.Type.TOPIC, topics.deadLetter()));
        try {
            for (Config config : admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS).values()) {
                ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (entry != null && entry.value() != null) {
                    limit = Math.min(limit, Integer.parseInt(entry.value()));
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.infof("the sink's and dead-letter topic's max.message.bytes could not be read (%s); records are kept"
                    + " under the producer's max.request.size, %d bytes", e.getMessage(), limit);
        }
        LOG.infof("records written are kept under %d bytes; larger ones are dead-lettered too_large", limit);
        return new RecordSizes(limit);
    }
}

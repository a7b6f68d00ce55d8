package dev.weir.runtime.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.weir.runtime.net.LoopbackPorts;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

/**
 * A single-node Kafka broker (KRaft combined mode: broker and controller in one node) running in
 * this JVM on loopback, with its data in a fresh temporary directory that {@link #close()} deletes.
 *
 * <p>It backs {@code weir run} and the {@code *IT} tests. Settings suit one node and short-lived
 * use: internal topics have replication factor 1, consumer groups rebalance without delay,
 * topics are never created implicitly, and transactions work (Kafka Streams {@code exactly_once_v2},
 * {@code read_committed} consumers).
 *
 * <p>A JVM that exits without closing the broker still closes it from a shutdown hook, so no data
 * directory is left behind.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** A port picked free can be taken by someone else before the broker binds it; then we pick again. */
    private static final int START_ATTEMPTS = 3;
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final String ADMIN_CLIENT_ID_PREFIX = "weir-embedded-kafka-admin-";

    /** Keys that wire the node to its ports, role and directory; callers may not override them. */
    private static final Set<String> MANAGED_KEYS = Set.of(
            "process.roles", "node.id", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
            "controller.listener.names", "listeners", "advertised.listeners", "listener.security.protocol.map",
            "inter.broker.listener.name", "log.dirs", "log.dir", "metadata.log.dir");

    private final KafkaConfig config;
    private KafkaRaftServer server;
    private final Path directory;
    private final String bootstrapServers;
    private final Admin admin;
    private final Thread closeOnExit;
    private boolean closed;

    private EmbeddedKafka(KafkaConfig config, KafkaRaftServer server, Path directory, String bootstrapServers,
                          Admin admin) {
        this.config = config;
        this.server = server;
        this.directory = directory;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
        this.closeOnExit = new Thread(this::close, "weir-embedded-kafka-close");
        Runtime.getRuntime().addShutdownHook(closeOnExit);
    }

    /** Starts a broker with the default settings. */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Starts a broker whose settings are the defaults overridden by {@code brokerProperties}
     * (Kafka broker configuration keys). Listener, role, node and directory keys are managed
     * here and refused.
     *
     * @throws IllegalArgumentException if a managed key is given
     * @throws IllegalStateException if the broker does not start; nothing is left running or on disk
     */
    public static EmbeddedKafka start(Map<String, ?> brokerProperties) {
        List<String> refused = brokerProperties.keySet().stream().filter(MANAGED_KEYS::contains).sorted().toList();
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("The embedded Kafka broker manages " + refused + " itself; remove them");
        }
        Map<String, String> overrides = new HashMap<>();
        brokerProperties.forEach((key, value) ->
                overrides.put(key, String.valueOf(Objects.requireNonNull(value, () -> "broker property " + key + " is null"))));
        BrokerLogging.quietUnlessConfigured(ADMIN_CLIENT_ID_PREFIX);
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(overrides);
            } catch (PortTakenException e) {
                if (attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("Embedded Kafka broker did not start: ports picked free were taken "
                            + "before it could bind them, " + START_ATTEMPTS + " times; last: " + reason(e.getCause()), e.getCause());
                }
            }
        }
    }

    private static EmbeddedKafka startOnce(Map<String, String> overrides) {
        Path root = createRootDirectory();
        KafkaRaftServer server = null;
        try {
            int[] ports = LoopbackPorts.free(2);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            Map<String, String> properties = defaultProperties();
            properties.putAll(overrides);
            properties.put("process.roles", "broker,controller");
            properties.put("node.id", String.valueOf(NODE_ID));
            properties.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
            properties.put("controller.listener.names", CONTROLLER_LISTENER);
            properties.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                    + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
            properties.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
            properties.put("listener.security.protocol.map",
                    BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            properties.put("inter.broker.listener.name", BROKER_LISTENER);
            properties.put("log.dirs", root.resolve("data").toString());

            KafkaConfig config = new KafkaConfig(properties, false);
            format(root, properties);
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            String bootstrapServers = HOST + ":" + brokerPort;
            Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.CLIENT_ID_CONFIG, ADMIN_CLIENT_ID_PREFIX + brokerPort));
            return new EmbeddedKafka(config, server, root, bootstrapServers, admin);
        } catch (RuntimeException e) {
            stop(server);
            deleteQuietly(root, e);
            if (hasCause(e, BindException.class)) {
                throw new PortTakenException(e);
            }
            throw new IllegalStateException("Embedded Kafka broker did not start: " + reason(e), e);
        }
    }

    /**
     * Formats the log directory with {@code kafka-storage format} and a new cluster id. The broker's
     * configuration file it reads stays next to the data for anyone inspecting a running broker.
     */
    private static void format(Path root, Map<String, String> properties) {
        Path configFile = root.resolve("server.properties");
        Properties config = new Properties();
        config.putAll(properties);
        try (Writer writer = Files.newBufferedWriter(configFile)) {
            config.store(writer, "embedded Kafka broker of Weir");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + configFile + " failed", e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            int exitCode = StorageTool.execute(new String[] {
                "format", "--config", configFile.toString(), "--cluster-id", Uuid.randomUuid().toString()}, printStream);
            if (exitCode != 0) {
                throw new IllegalStateException("kafka-storage format exited with " + exitCode + ": "
                        + output.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private static Map<String, String> defaultProperties() {
        Map<String, String> properties = new HashMap<>();
        properties.put("auto.create.topics.enable", "false");
        properties.put("num.partitions", "1");
        properties.put("default.replication.factor", "1");
        properties.put("offsets.topic.replication.factor", "1");
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        properties.put("share.coordinator.state.topic.replication.factor", "1");
        properties.put("share.coordinator.state.topic.min.isr", "1");
        // one node needs no spreading of coordinators; a single partition makes the first group or transaction start sooner
        properties.put("offsets.topic.num.partitions", "1");
        properties.put("transaction.state.log.num.partitions", "1");
        properties.put("group.initial.rebalance.delay.ms", "0");
        // the default 128 MiB is allocated on the heap at start; compaction here never needs that much
        properties.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        return properties;
    }

    /** The {@code host:port} list clients connect to. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The directory holding the broker's configuration, logs and metadata; gone after {@link #close()}. */
    Path directory() {
        return directory;
    }

    /**
     * Creates a topic with replication factor 1 and returns once every partition has a leader.
     * Does nothing if the topic exists with that many partitions.
     *
     * @throws IllegalStateException if the topic exists with another partition count, or it could not be created
     */
    public void createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("creating topic " + name + " failed: " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException | TimeoutException e) {
            throw interruptedOrTimedOut("creating topic " + name, e);
        }
        awaitLeaders(name, partitions);
        awaitLoaded(name, partitions);
    }

    /**
     * Metadata can name a leader before the broker has loaded the partition; a first batch refused then,
     * while later ones are appended, leaves an idempotent producer retrying it out of sequence until it
     * times out. ListOffsets answers only once the partition is loaded.
     */
    private void awaitLoaded(String name, int partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(name, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                admin.listOffsets(latest).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " did not take writes within " + ADMIN_TIMEOUT
                            + ": " + e.getCause().getMessage(), e.getCause());
                }
                sleep(Duration.ofMillis(20));
            } catch (InterruptedException | TimeoutException e) {
                throw interruptedOrTimedOut("waiting for topic " + name + " to take writes", e);
            }
        }
    }

    private void awaitLeaders(String name, int partitions) {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            List<TopicPartitionInfo> described = describe(name);
            if (described != null && described.size() != partitions) {
                throw new IllegalStateException("topic " + name + " exists with " + described.size()
                        + " partitions, not " + partitions);
            }
            if (described != null && described.stream().allMatch(p -> p.leader() != null)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + name + " had no leader for every partition within " + ADMIN_TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /** The partitions of a topic as the broker sees them, or null while it does not know the topic yet. */
    private List<TopicPartitionInfo> describe(String name) {
        try {
            TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(name);
            return description.partitions();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw new IllegalStateException("describing topic " + name + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw interruptedOrTimedOut("describing topic " + name, e);
        }
    }

    /**
     * Stops the broker and starts it again on the same ports with the same data, as an operator restarts a broker:
     * clients see their connections drop and reconnect; topics, committed offsets and transactions are kept.
     *
     * @param down how long the broker stays stopped before it starts again
     * @throws IllegalStateException if the broker is closed, or does not start again
     */
    public synchronized void restart(Duration down) {
        if (closed) {
            throw new IllegalStateException("the broker is closed");
        }
        stop(server);
        server = null;
        sleep(down);
        // the ports were this broker's; one freed a moment ago may still be in TIME_WAIT for a new bind, so try again
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            KafkaRaftServer restarted = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                restarted.startup();
                server = restarted;
                return;
            } catch (RuntimeException e) {
                stop(restarted);
                if (!hasCause(e, BindException.class) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Embedded Kafka broker did not start again: " + reason(e), e);
                }
                sleep(Duration.ofMillis(200));
            }
        }
    }

    /** Stops the broker and deletes its data. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnExit);
        } catch (IllegalStateException e) {
            // the JVM is exiting: this is the hook running
        }
        admin.close(Duration.ofSeconds(5));
        stop(server);
        deleteQuietly(directory, null);
    }

    private static void stop(KafkaRaftServer server) {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    private static Path createRootDirectory() {
        try {
            return Files.createTempDirectory("weir-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Kafka broker did not start: no temporary directory", e);
        }
    }

    private static void deleteQuietly(Path directory, Exception failure) {
        try {
            Utils.delete(directory.toFile());
        } catch (IOException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The exception's message, and its root cause's when that says more: Kafka wraps start-up failures. */
    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null ? e.getMessage() : e.getMessage() + ": " + root.getMessage();
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static IllegalStateException interruptedOrTimedOut(String action, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new IllegalStateException(action + " was interrupted", e);
        }
        return new IllegalStateException(action + " took longer than " + ADMIN_TIMEOUT, e);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    /** A start attempt lost a race for one of its ports. */
    private static final class PortTakenException extends RuntimeException {
        PortTakenException(RuntimeException cause) {
            super(cause);
        }
    }
}

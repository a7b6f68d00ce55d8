package dev.weir.runtime.kafka;

import dev.weir.runtime.kafka.state.StateCheckpointer;
import dev.weir.runtime.pipeline.CompiledJob;
import dev.weir.runtime.pipeline.RecordListener;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The one place a job's Kafka Streams topology is built:
 * source → {@link SourceProcessor} → (keyed topic → {@link WindowProcessor}) → sink, with dead
 * letters from both processors.
 */
public final class StreamsTopology {
    /** How often each source partition reports its progress to the window tasks. */
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(1);

    private static final Serde<byte[]> BYTES = Serdes.ByteArray();
    private static final Serde<Routed> ROUTED = Serdes.serdeFrom(
            (topic, routed) -> routed == null ? null : routed.value(),
            (topic, bytes) -> bytes == null ? null : Routed.keyed(bytes, false));

    private StreamsTopology() {}

    /**
     * @param sourcePartitions partitions of the source topic: the watermark waits for all of them
     * @param idleTimeout      null disables idleness (end of input then closes windows)
     */
    public static Topology build(CompiledJob job, JobTopics topics, int sourcePartitions, RecordListener listener,
                                 Duration progressInterval, Duration idleTimeout) {
        return build(job, topics, sourcePartitions, listener, progressInterval, idleTimeout, null);
    }

    /** @param checkpointer null keeps the window state in Kafka Streams' own RocksDB store, without checkpoints */
    public static Topology build(CompiledJob job, JobTopics topics, int sourcePartitions, RecordListener listener,
                                 Duration progressInterval, Duration idleTimeout, StateCheckpointer checkpointer) {
        return build(job, topics, sourcePartitions, listener, progressInterval, idleTimeout, checkpointer,
                RecordSizes.DEFAULT);
    }

    /** @param sizes the largest record the job's producer and its sink and dead-letter topics take */
    public static Topology build(CompiledJob job, JobTopics topics, int sourcePartitions, RecordListener listener,
                                 Duration progressInterval, Duration idleTimeout, StateCheckpointer checkpointer,
                                 RecordSizes sizes) {
        StreamsBuilder builder = new StreamsBuilder();
        String[] sourceStores = job.window() == null ? new String[0] : new String[] {PreCommitFlush.NAME};
        if (job.window() != null) {
            builder.addStateStore(PreCommitFlush.builder(PreCommitFlush.NAME));
        }
        KStream<byte[], Routed> fromSource = builder
                .stream(topics.source(), Consumed.with(BYTES, BYTES).withName("weir-source"))
                .process(() -> new SourceProcessor(job, listener, progressInterval, idleTimeout, sizes,
                        topics.source(), sourcePartitions), Named.as("weir-source-steps"), sourceStores);
        if (job.window() == null) {
            writeOut(fromSource, topics, "weir-source");
            return builder.build();
        }
        KeyValueBytesStoreSupplier store = checkpointer == null
                ? Stores.persistentKeyValueStore(JobTopics.WINDOW_STORE)
                : checkpointer.storeSupplier(JobTopics.WINDOW_STORE);
        builder.addStateStore(Stores.keyValueStoreBuilder(store, Serdes.Bytes(), BYTES).withCachingEnabled());
        builder.addStateStore(PreCommitFlush.builder(PreCommitFlush.WINDOW_NAME));
        KStream<byte[], Routed> keyed = fromSource.split(Named.as("weir-source-"))
                .branch((k, v) -> v.route() == Routed.Route.KEYED, Branched.as("keyed"))
                .defaultBranch(Branched.withConsumer(out -> writeOut(out, topics, "weir-source"), "out"))
                .get("weir-source-keyed");
        KStream<byte[], Routed> windowed = keyed
                .repartition(Repartitioned.<byte[], Routed>as(JobTopics.KEYED)
                        .withKeySerde(BYTES).withValueSerde(ROUTED)
                        .withNumberOfPartitions(sourcePartitions)
                        .withStreamPartitioner(broadcastControl()))
                .process(() -> new WindowProcessor(job, listener, sourcePartitions, topics.source(), sizes),
                        Named.as("weir-window"), JobTopics.WINDOW_STORE, PreCommitFlush.WINDOW_NAME);
        writeOut(windowed, topics, "weir-window");
        return builder.build();
    }

    /** Writes sink and dead-letter records, each to its topic, through one sink node. */
    private static void writeOut(KStream<byte[], Routed> stream, JobTopics topics, String name) {
        stream.to((key, value, context) -> value.route() == Routed.Route.SINK ? topics.sink() : topics.deadLetter(),
                produced(name + "-write"));
    }

    private static Produced<byte[], Routed> produced(String name) {
        return Produced.with(BYTES, ROUTED).withName(name).withStreamPartitioner(broadcastControl());
    }

    /**
     * Control records (progress, end of input) go to every partition; a keyed record of several keys to the
     * partition it was made for; every other keyed record by its key ({@link Routed#partitionOf}, the same partition
     * as those); sink and dead-letter records as the producer puts them.
     */
    private static StreamPartitioner<byte[], Routed> broadcastControl() {
        return (topic, key, value, partitions) -> {
            if (value.control()) {
                return Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
            }
            if (value.partition() != Routed.BY_KEY) {
                if (value.partition() >= partitions) {
                    throw new IllegalStateException("a keyed record for partition " + value.partition() + " of "
                            + topic + ", which has " + partitions);
                }
                return Optional.of(Set.of(value.partition()));
            }
            return value.route() == Routed.Route.KEYED && key != null
                    ? Optional.of(Set.of(Routed.partitionOf(key, partitions))) : Optional.empty();
        };
    }
}

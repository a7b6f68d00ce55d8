package dev.weir.runtime.kafka.state;

import dev.weir.runtime.kafka.StreamsClients;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TopologyDescription;

/**
 * Kafka Streams' clients, except that the main consumer tells the {@link StateCheckpointer} which tasks it was
 * assigned the moment the group assigns them: their checkpoints then download side by side while Kafka Streams
 * initialises the tasks one by one.
 */
final class PrefetchingClientSupplier extends StreamsClients {
    private final StateCheckpointer checkpointer;
    private final StatefulTasks tasks;

    /** @param topology the job's topology: which subtopologies hold state */
    PrefetchingClientSupplier(StateCheckpointer checkpointer, TopologyDescription topology,
                                     String applicationId) {
        this.checkpointer = checkpointer;
        this.tasks = new StatefulTasks(topology, applicationId);
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new AssignmentReportingConsumer(config);
    }

    /** The main consumer: Kafka Streams subscribes it with its own rebalance listener, which this one wraps. */
    private final class AssignmentReportingConsumer extends KafkaConsumer<byte[], byte[]> {
        private final String clientId;

        AssignmentReportingConsumer(Map<String, Object> config) {
            super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.clientId = (String) config.get(ConsumerConfig.CLIENT_ID_CONFIG);
        }

        @Override
        public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            super.subscribe(topics, new Reporting(listener, this));
        }

        @Override
        public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
            super.subscribe(pattern, new Reporting(listener, this));
        }
    }

    /**
     * Reports before Kafka Streams handles an assignment (downloads start first, and the checkpointer learns which
     * group member this consumer is now) and after a revocation.
     */
    private final class Reporting implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener streams;
        private final AssignmentReportingConsumer consumer;

        Reporting(ConsumerRebalanceListener streams, AssignmentReportingConsumer consumer) {
            this.streams = streams;
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // on the consumer's own thread, inside its poll: its group metadata is current
            checkpointer.member(consumer.clientId, consumer.groupMetadata().memberId());
            checkpointer.tasksAssigned(tasks.of(partitions));
            streams.onPartitionsAssigned(partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            streams.onPartitionsRevoked(partitions);
            checkpointer.tasksRevoked(tasks.of(partitions));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            streams.onPartitionsLost(partitions);
            checkpointer.tasksRevoked(tasks.of(partitions));
        }
    }
}

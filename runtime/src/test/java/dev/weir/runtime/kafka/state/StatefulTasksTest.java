package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** Partitions of a topology's topics to the stateful tasks reading them, as Weir's topology is shaped. */
class StatefulTasksTest {
    private static final String APP = "weir-job";

    @Test
    void onlyTheStatefulSubtopologyBehindTheRepartitionTopicHasTasksToRestore() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("windows"), Serdes.String(),
                Serdes.String()));
        builder.stream("input", Consumed.with(Serdes.String(), Serdes.String()))
                .filter((k, v) -> v != null)
                .repartition(Repartitioned.<String, String>as("keyed").withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.String()))
                .process(() -> new Processor<String, String, Void, Void>() {
                    @Override
                    public void process(Record<String, String> record) {
                    }
                }, "windows");
        Topology topology = builder.build();
        StatefulTasks tasks = new StatefulTasks(topology.describe(), APP);

        assertEquals(Set.of(), tasks.of(List.of(new TopicPartition("input", 0), new TopicPartition("input", 3))),
                "the source subtopology has no state");
        assertEquals(Set.of("1_0", "1_3"), tasks.of(List.of(new TopicPartition(APP + "-keyed-repartition", 0),
                new TopicPartition(APP + "-keyed-repartition", 3), new TopicPartition("input", 1))));
        assertEquals(Set.of(), tasks.of(List.of(new TopicPartition("other", 0))));
    }
}

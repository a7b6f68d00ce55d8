package dev.weir.runtime.kafka.state;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.TopologyDescription;

/**
 * Which stateful tasks a set of input partitions makes: a task is {@code <subtopology>_<partition>}, and only
 * subtopologies with a state store have state to restore. Read from the topology's description, where internal
 * (repartition) topics are named without the application id the consumer sees them with.
 */
final class StatefulTasks {
    /** Topic as the consumer sees it → the stateful subtopology reading it. */
    private final Map<String, Integer> subtopologyOfTopic = new HashMap<>();

    StatefulTasks(TopologyDescription description, String applicationId) {
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            boolean stateful = sub.nodes().stream().anyMatch(node -> node instanceof TopologyDescription.Processor p
                    && !p.stores().isEmpty());
            if (!stateful) {
                continue;
            }
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    for (String topic : source.topicSet()) {
                        subtopologyOfTopic.put(topic, sub.id());
                        subtopologyOfTopic.put(applicationId + "-" + topic, sub.id());
                    }
                }
            }
        }
    }

    /** The task ids of the stateful tasks that read these partitions. */
    Set<String> of(Collection<TopicPartition> partitions) {
        Set<String> tasks = new TreeSet<>();
        for (TopicPartition partition : partitions) {
            Integer sub = subtopologyOfTopic.get(partition.topic());
            if (sub != null) {
                tasks.add(sub + "_" + partition.partition());
            }
        }
        return tasks;
    }
}

package dev.weir.runtime.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;

/**
 * The completion criterion of the Kafka Streams applications: their consumer group has committed, on every partition
 * of the input topic and of its repartition topic, the end offset. A Kafka Streams application commits only what it
 * has processed and flushed to its output, so at that point all the input has gone through both sub-topologies. For
 * Weir the end offsets are those seen once its window has taken every record: its source tasks go on reporting their
 * progress to the keyed topic every second, and those reports, which carry no input, would otherwise keep moving
 * the end while the run is already done.
 */
final class Drained {
    static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final long ADMIN_TIMEOUT_SECONDS = 10;

    private final Admin admin;

    Drained(Admin admin) {
        this.admin = admin;
    }

    /**
     * Polls every {@link #POLL_INTERVAL} until the group has drained {@code partitions}.
     *
     * @return {@link System#nanoTime()} when it was first seen drained
     * @throws IllegalStateException if the application stops or fails first
     */
    long await(String groupId, Collection<TopicPartition> partitions, KafkaStreams streams, Duration atMost) {
        return await(groupId, partitions, null, streams, atMost);
    }

    /**
     * Polls every {@link #POLL_INTERVAL} until the group has committed, on each of {@code targets}' partitions, at
     * least the offset given: the end offsets seen once an application had done its work, so that what it appends
     * later (Weir's periodic progress reports, which carry no input) does not count as work still to commit.
     *
     * @return {@link System#nanoTime()} when it was first seen committed
     * @throws IllegalStateException if the application stops or fails first
     */
    long await(String groupId, Map<TopicPartition, Long> targets, KafkaStreams streams, Duration atMost) {
        return await(groupId, targets.keySet(), targets, streams, atMost);
    }

    private long await(String groupId, Collection<TopicPartition> partitions, Map<TopicPartition, Long> targets,
                       KafkaStreams streams, Duration atMost) {
        AtomicLong seenAt = new AtomicLong();
        Awaitility.await(groupId + " drains " + partitions)
                .pollDelay(Duration.ZERO).pollInterval(POLL_INTERVAL).atMost(atMost)
                .until(() -> {
                    KafkaStreams.State state = streams.state();
                    if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                            || state == KafkaStreams.State.NOT_RUNNING) {
                        throw new IllegalStateException(groupId + " stopped (" + state + ") before it drained its input");
                    }
                    if (targets == null ? drained(groupId, partitions) : committedUpTo(groupId, targets)) {
                        seenAt.set(System.nanoTime());
                        return true;
                    }
                    return false;
                });
        return seenAt.get();
    }

    private boolean drained(String groupId, Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Set<String> topics = partitions.stream().map(TopicPartition::topic).collect(Collectors.toSet());
        if (!admin.listTopics().names().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).containsAll(topics)) {
            return false; // the application has not created its repartition topic yet
        }
        Map<TopicPartition, Long> end = endOffsets(partitions);
        return partitions.stream().allMatch(tp -> {
            OffsetAndMetadata offset = committed.get(tp);
            return offset == null ? end.get(tp) == 0 : offset.offset() == end.get(tp);
        });
    }

    private boolean committedUpTo(String groupId, Map<TopicPartition, Long> targets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return targets.entrySet().stream().allMatch(target -> {
            OffsetAndMetadata offset = committed.get(target.getKey());
            return offset == null ? target.getValue() == 0 : offset.offset() >= target.getValue();
        });
    }

        /** The end offsets of {@code partitions}; for a topic without transactions, how many records it got. */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, ListOffsetsResultInfo> infos = admin.listOffsets(partitions.stream()
                        .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest())))
                .all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return infos.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}

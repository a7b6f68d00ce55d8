package dev.weir.operator.lag;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.SourceSpec;
import dev.weir.api.StreamJob;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Lag of a job's Kafka source, from the brokers: per partition, end offset − the committed offset of the job's
 * consumer group ({@link ConsumerGroups}). A partition the group never committed counts from where the job would start:
 * earliest → the log start offset (records removed by retention are not lag); latest → the end offset when this
 * probe first saw the partition uncommitted, so records written since then count and wake an idle job.
 */
public final class KafkaLagProbe implements LagProbe {
    /** Bound on each request to the brokers: a poll must not hold the reconcile thread for long. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final Clock clock;
    private final Map<String, Admin> admins = new ConcurrentHashMap<>();
    /** group/topic-partition → end offset when first seen uncommitted, for startingOffsets: latest. */
    private final Map<String, Long> latestBaselines = new ConcurrentHashMap<>();

    public KafkaLagProbe(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean reads(StreamJob job) {
        return job.getSpec().source != null && job.getSpec().source.kafka != null;
    }

    @Override
    public LagReading read(StreamJob job) {
        SourceSpec.KafkaSource source = job.getSpec().source.kafka;
        String group = ConsumerGroups.of(job);
        try {
            Admin admin = admins.computeIfAbsent(source.bootstrapServers, KafkaLagProbe::connect);
            List<TopicPartition> partitions = admin.describeTopics(List.of(source.topic)).allTopicNames()
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(source.topic).partitions().stream()
                    .map(p -> new TopicPartition(source.topic, p.partition()))
                    .toList();
            Map<TopicPartition, Long> ends = offsets(admin, partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> starts = offsets(admin, partitions, OffsetSpec.earliest());
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long lag = 0;
            long end = 0;
            long consumed = 0;
            for (TopicPartition partition : partitions) {
                long partitionEnd = ends.get(partition);
                long position = Math.min(partitionEnd, position(group, partition, committed.get(partition),
                        starts.get(partition), partitionEnd, source.startingOffsets));
                lag += partitionEnd - position;
                end += partitionEnd;
                consumed += position;
            }
            return new LagReading(clock.instant(), partitions.size(), lag, end, consumed);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new LagProbeException("Could not read the lag of consumer group " + group + " on topic "
                    + source.topic + " at " + source.bootstrapServers + ": " + cause
                    + "; check spec.source.kafka.bootstrapServers and topic, and that the brokers let the operator"
                    + " describe the topic and the group", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LagProbeException("Interrupted while reading the lag of " + group, e);
        }
    }

    private long position(String group, TopicPartition partition, OffsetAndMetadata committed, long start, long end,
                          SourceSpec.StartingOffsets startingOffsets) {
        if (committed != null) {
            // records below the log start are gone: they can no longer be processed, so they are not lag
            return Math.max(committed.offset(), start);
        }
        if (startingOffsets == SourceSpec.StartingOffsets.latest) {
            return Math.max(start, latestBaselines.computeIfAbsent(group + "/" + partition, key -> end));
        }
        return start;
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin
                .listOffsets(partitions.stream().collect(Collectors.toMap(Function.identity(), p -> spec)))
                .all().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return result.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static Admin connect(String bootstrapServers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis()));
    }

    @Override
    public void forget(StreamJob job) {
        String prefix = ConsumerGroups.of(job) + "/";
        latestBaselines.keySet().removeIf(key -> key.startsWith(prefix));
    }

    @Override
    public void close() {
        admins.values().forEach(admin -> admin.close(REQUEST_TIMEOUT));
        admins.clear();
    }
}

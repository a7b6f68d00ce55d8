package dev.weir.operator.lag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.runtime.testing.KafkaBroker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The probe's reading of a real broker: committed offsets, never-committed partitions, retention, errors. */
@ExtendWith(KafkaBroker.class)
class KafkaLagProbeIT {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final KafkaLagProbe probe = new KafkaLagProbe(Clock.fixed(NOW, ZoneOffset.UTC));

    @AfterEach
    void close() {
        probe.close();
    }

    @Test
    void neverCommittedFromEarliestCountsFromTheLogStartNotFromZero(KafkaBroker kafka) throws Exception {
        String topic = topic(kafka);
        kafka.produce(topic, 0, 0, Collections.nCopies(10, "{}"));
        kafka.produce(topic, 1, 0, Collections.nCopies(4, "{}"));
        StreamJob job = job(kafka, topic, "earliest");
        assertEquals(new LagReading(NOW, 2, 14, 14, 0), probe.read(job));

        try (Admin admin = admin(kafka)) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(6)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        assertEquals(new LagReading(NOW, 2, 8, 14, 6), probe.read(job), "records removed by retention are not lag");
    }

    @Test
    void committedOffsetsOfTheJobsGroupAreItsPosition(KafkaBroker kafka) throws Exception {
        String topic = topic(kafka);
        kafka.produce(topic, 0, 0, Collections.nCopies(10, "{}"));
        kafka.produce(topic, 1, 0, Collections.nCopies(4, "{}"));
        StreamJob job = job(kafka, topic, "earliest");
        try (Admin admin = admin(kafka)) {
            admin.alterConsumerGroupOffsets(ConsumerGroups.of(job),
                    Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(7))).all().get(30, TimeUnit.SECONDS);
        }
        assertEquals(new LagReading(NOW, 2, 3 + 4, 14, 7), probe.read(job), "partition 1 never committed: all 4");
    }

    @Test
    void neverCommittedFromLatestCountsWhatArrivesAfterTheFirstLook(KafkaBroker kafka) {
        String topic = topic(kafka);
        kafka.produce(topic, 0, 0, Collections.nCopies(10, "{}"));
        StreamJob job = job(kafka, topic, "latest");
        assertEquals(0, probe.read(job).lag(), "a job starting from latest skips what is there");
        kafka.produce(topic, 1, 0, Collections.nCopies(3, "{}"));
        assertEquals(3, probe.read(job).lag(), "what arrived since counts, so an idle job wakes");
    }

    @Test
    void unreachableBrokersNameTheFieldToCheck() throws Exception {
        StreamJob job = JobFiles.readString("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: nowhere, namespace: it}
                spec:
                  source: {kafka: {bootstrapServers: "no-such-host.invalid:9092", topic: t}}
                  sink: {kafka: {topic: out}}
                  deadLetter: {kafka: {topic: dlq}}
                """, "job.yaml");
        LagProbeException e = assertThrows(LagProbeException.class, () -> probe.read(job));
        assertTrue(e.getMessage().contains("check spec.source.kafka.bootstrapServers"), e.getMessage());
    }

    private static String topic(KafkaBroker kafka) {
        String topic = "lag-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 2);
        return topic;
    }

    private static StreamJob job(KafkaBroker kafka, String topic, String startingOffsets) {
        try {
            return JobFiles.readString("""
                    apiVersion: weir.dev/v1alpha1
                    kind: StreamJob
                    metadata: {name: %s, namespace: it}
                    spec:
                      source: {kafka: {bootstrapServers: "%s", topic: %s, startingOffsets: %s}}
                      sink: {kafka: {topic: %s-out}}
                      deadLetter: {kafka: {topic: %s-dlq}}
                    """.formatted(topic, kafka.bootstrapServers(), topic, startingOffsets, topic, topic), "job.yaml");
        } catch (InvalidJobException e) {
            throw new AssertionError(e);
        }
    }

    private static Admin admin(KafkaBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}

package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.runtime.testing.KafkaBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.processor.TaskId;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uploader's owner check, against a real broker: a process whose store of a task is still open, but whose task
 * the consumer group now assigns to another member (a process paused or cut off while the group moved its task), must
 * not store a snapshot of it: the other owner's writes, which the snapshot's changelog label covers, are not in it.
 * The full fault run found windows written twice from such a checkpoint (docs/faults.md). The same snapshot is stored
 * once the group's member holding the input is this process's.
 */
@ExtendWith(KafkaBroker.class)
class StateCheckpointerOwnerIT {
    private static final TaskId TASK = new TaskId(1, 0);

    @TempDir
    Path tmp;

    @Test
    void aSnapshotOfATaskTheGroupAssignsToAnotherMemberIsNotStored(KafkaBroker kafka) throws Exception {
        String application = "weir-owner-" + UUID.randomUUID().toString().substring(0, 8);
        TopicPartition input = new TopicPartition(application + "-keyed", 0);
        kafka.createTopic(input.topic(), 1);
        kafka.createTopic(application + "-window-store-changelog", 1);
        TaskCheckpoints checkpoints = TaskCheckpoints.open(tmp.resolve("store").toUri(), application,
                CheckpointSettings.defaults());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaConsumer<byte[], byte[]> other = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ConsumerConfig.GROUP_ID_CONFIG, application,
                     ConsumerConfig.CLIENT_ID_CONFIG, "the-new-owner"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // the member the group gave the task to, which has processed and committed past what the snapshot holds
            other.subscribe(List.of(input.topic()));
            Awaitility.await("the other member assigned the input").atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        other.poll(Duration.ofMillis(200));
                        return other.assignment().contains(input);
                    });
            other.commitSync(Map.of(input, new OffsetAndMetadata(100)));
            String otherMember = other.groupMetadata().memberId();

            StateCheckpointer checkpointer = new StateCheckpointer(checkpoints, Optional.empty(), admin, application,
                    Duration.ofHours(1), tmp.resolve("state"), new CheckpointMetrics(new SimpleMeterRegistry()),
                    Clock.systemUTC());
            CheckpointedRocksStore store = new CheckpointedRocksStore("window-store", checkpointer);
            StoreContext context = new StoreContext(application, TASK, tmp.resolve("state").resolve(TASK.toString()));
            try {
                // this process's member, which the group no longer has
                checkpointer.member("the-old-owner", "a-member-the-group-expired");
                store.init(context, store);
                context.process(store, input, 7, "a", "1");
                checkpointer.requestSavepoint();
                // the uploader decides within a poll of the group; nothing may be stored meanwhile or after
                Thread.sleep(5_000);
                List<CheckpointInfo> stored = checkpoints.list();
                assertEquals(List.of(), stored, "a snapshot of a task another member owns was stored");

                // the group's member with the input is this process's: the same state is stored
                checkpointer.member("the-old-owner", otherMember);
                context.process(store, input, 8, "a", "2");
                checkpointer.requestSavepoint();
                Awaitility.await("the savepoint stored").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200)).until(() -> !checkpoints.list().isEmpty());
                List<CheckpointInfo> savepoints = checkpoints.list();
                assertEquals(1, savepoints.size(), savepoints.toString());
                assertEquals(TASK.toString(), savepoints.get(0).taskId());
                assertTrue(savepoints.get(0).savepoint());
                assertEquals(Map.of(input.toString(), 9L), savepoints.get(0).inputOffsets(),
                        "labelled with the input it holds");
            } finally {
                store.close();
                checkpointer.close();
            }
        } finally {
            checkpoints.close();
        }
    }
}

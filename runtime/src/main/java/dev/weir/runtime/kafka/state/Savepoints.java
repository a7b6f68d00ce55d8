package dev.weir.runtime.kafka.state;

import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.CheckpointInfo;
import dev.weir.checkpoint.TaskCheckpoints;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.jboss.logging.Logger;

/**
 * Savepoints at a graceful shutdown: once Kafka Streams has closed its tasks, a store it closed cleanly has its
 * changelog offset in the task's {@code .checkpoint} file (written after the last commit; under exactly-once a
 * dirty close wipes the task's folder instead), and its database folder holds exactly that state.
 */
final class Savepoints {
    private static final Logger LOG = Logger.getLogger(Savepoints.class);
    /** RocksDB's lock and info log: not state. */
    private static final List<String> NOT_STATE = List.of("LOCK", "LOG");

    private Savepoints() {}

    static void write(List<ClosedStore> stores, TaskCheckpoints checkpoints, Path workDir, CheckpointMetrics metrics) {
        for (ClosedStore store : stores) {
            Path dir = workDir.resolve(store.taskId() + "-savepoint");
            try {
                Map<org.apache.kafka.common.TopicPartition, Long> offsets = new OffsetCheckpoint(
                        new File(store.taskDir().toFile(), TaskOffsetFile.NAME)).read();
                Long last = offsets.get(store.changelog());
                if (last == null || !Files.isDirectory(store.dbDir())) {
                    LOG.infof("no savepoint of task %s: it was not closed cleanly", store.taskId());
                    continue;
                }
                linkState(store.dbDir(), dir);
                CheckpointInfo info = checkpoints.write(store.taskId(), dir,
                        Map.of(store.changelog().toString(), last + 1), Map.of(), true);
                LOG.infof("savepoint %s of task %s stored at %s (%d bytes, %d uploaded)", info.id(), store.taskId(),
                        info.location(), info.totalBytes(), info.uploadedBytes());
                metrics.stored(info.uploadedBytes(), java.time.Instant.now());
            } catch (IOException | CheckpointException | RuntimeException e) {
                LOG.warnf("savepoint of task %s failed: %s", store.taskId(), e.getMessage());
                metrics.failed("savepoint of task " + store.taskId() + " failed: " + e.getMessage(),
                        java.time.Instant.now());
            } finally {
                StateCheckpointer.deleteQuietly(dir);
            }
        }
    }

    /** Hard links of the database's files (they do not change once closed) into a fresh folder. */
    private static void linkState(Path dbDir, Path dir) throws IOException {
        StateCheckpointer.deleteQuietly(dir);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dbDir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = f.getFileName().toString();
                if (NOT_STATE.contains(name) || name.startsWith("LOG.old")) {
                    continue;
                }
                Files.createLink(dir.resolve(name), f);
            }
        }
    }
}

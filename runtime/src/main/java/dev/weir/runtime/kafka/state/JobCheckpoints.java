package dev.weir.runtime.kafka.state;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.ConsumerGroups;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.runtime.state.JobCheckpointStores;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Builds a job's {@link StateCheckpointer} from its spec; a job without a checkpoint location has none. */
public final class JobCheckpoints {
    /** Files transferred at once: a restore is on the task's critical path; 8 downloaded 345 MB/s against 241 with
     *  the store's default 4 in RestoreBenchmark runs at similar load (docs/benchmark.md). */
    public static final int TRANSFER_THREADS = JobCheckpointStores.TRANSFER_THREADS;

    private JobCheckpoints() {}

    /** @param stateDir Kafka Streams' state.dir (the job's state is in its application-id folder) */
    public static Optional<StateCheckpointer> of(StreamJob job, Path stateDir, CheckpointMetrics metrics) {
        CheckpointSpec spec = job.getSpec().checkpoints;
        if (spec == null || spec.location == null) {
            return Optional.empty();
        }
        String applicationId = ConsumerGroups.of(job);
        CheckpointSettings settings = settings(spec);
        TaskCheckpoints checkpoints = TaskCheckpoints.open(URI.create(spec.location), applicationId, settings);
        Optional<TaskCheckpoints> restoreFrom = Optional.ofNullable(job.getSpec().restoreFrom)
                .map(from -> TaskCheckpoints.openSavepoints(URI.create(from), settings));
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                job.getSpec().source.kafka.bootstrapServers));
        return Optional.of(new StateCheckpointer(checkpoints, restoreFrom, admin, applicationId,
                spec.intervalOrDefault(), stateDir.resolve(applicationId), metrics, Clock.systemUTC()));
    }

    static CheckpointSettings settings(CheckpointSpec spec) {
        return JobCheckpointStores.settings(spec);
    }
}

package dev.weir.operator.checkpoints;

import dev.weir.checkpoint.CheckpointInfo;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One listing of a job's checkpoint store.
 *
 * @param location    the job's folder in the store
 * @param listedAt    when it was listed
 * @param checkpoints its checkpoints and savepoints, newest first; empty when listing failed
 * @param error       why listing failed
 */
public record StoreListing(String location, Instant listedAt, Optional<List<CheckpointInfo>> checkpoints,
                    Optional<String> error) {

    public static StoreListing listed(String location, Instant at, List<CheckpointInfo> checkpoints) {
        return new StoreListing(location, at, Optional.of(List.copyOf(checkpoints)), Optional.empty());
    }

    static StoreListing failed(String location, Instant at, String error) {
        return new StoreListing(location, at, Optional.empty(), Optional.of(error));
    }

    /** Which tasks the store knows have a savepoint written at or after {@code since}; empty when listing failed. */
    Optional<TaskSavepoints> savepointsSince(Instant since) {
        return checkpoints.map(listed -> TaskSavepoints.of(listed, since));
    }
}

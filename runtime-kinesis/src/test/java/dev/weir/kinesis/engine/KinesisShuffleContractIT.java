package dev.weir.kinesis.engine;

import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointSettings;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.pipeline.RecordListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The engines' contract on the Kinesis engine of a job on several pods: every keyed record crosses the job's shuffle
 * stream (three shards, so the contract's keys spread over three window tasks), and the results must be the single
 * process's, dead letters included, exactly.
 */
class KinesisShuffleContractIT extends KinesisEngineContractIT {

    @Override
    protected Duration patience() {
        // two lease tables to take leases in, and every record put twice on kinesis-local
        return Duration.ofSeconds(240);
    }

    @Override
    protected Started start(StreamJob job, KinesisEngineSettings settings, String application, Path stateDir)
            throws Exception {
        TaskCheckpoints checkpoints = TaskCheckpoints.open(Files.createDirectories(stateDir.resolve("store")).toUri(),
                "contract", CheckpointSettings.defaults());
        KinesisShuffleEngine engine = new KinesisShuffleEngine(job, settings,
                new ShuffleSettings(KinesisServers.uniqueName("shuffle"), 3, Duration.ofMillis(500)),
                servers.clients(), new RecordListener() {}, checkpoints, stateDir.resolve("state"));
        engine.start();
        return new Started(engine, engine.drained());
    }
}

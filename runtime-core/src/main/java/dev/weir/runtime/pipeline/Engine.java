package dev.weir.runtime.pipeline;

import java.util.concurrent.CompletionStage;

/**
 * What runs a job: the Kafka Streams engine (module runtime) or the Kinesis engine (module runtime-kinesis). The app
 * picks one from {@code spec.source} and drives it through this interface only (docs/engines.md).
 */
public interface Engine extends AutoCloseable {

    /** Starts reading; returns once the engine runs (restoring state may go on in the background). */
    void start() throws Exception;

    /** Stops reading, writes a last checkpoint where the job keeps them, and releases everything. */
    @Override
    void close();

    /** Whether the engine runs, and if not, why: the pod's readiness and liveness. */
    Health health();

    /**
     * Writes a savepoint now (a checkpoint kept until deleted); completes with its id, or exceptionally when the job
     * keeps no checkpoints or the savepoint failed.
     */
    CompletionStage<String> savepoint();

    /** @param message what the engine is doing, or what is wrong (for the health endpoint and logs) */
    record Health(boolean up, String message) {}
}

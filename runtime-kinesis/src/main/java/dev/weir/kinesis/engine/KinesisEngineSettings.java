package dev.weir.kinesis.engine;

import dev.weir.kinesis.KinesisSinkSettings;
import dev.weir.kinesis.KinesisSourceSettings;
import java.time.Duration;

/**
 * How a {@link KinesisEngine} runs, beyond what the StreamJob says.
 *
 * @param source            the reads: lease table name, worker id, timings (the job's startingPosition is applied)
 * @param sink              the puts of the sink and the dead-letter sink
 * @param endOfInputMarkers whether a source record with partition key {@value KinesisEngine#END_OF_INPUT_KEY} ends its
 *                          shard's input: only for {@code weir run --input}, which owns its stream; a pod reading a
 *                          stream others write to never takes a record's key as a command
 * @param checkpointInterval how often window state and shard positions are checkpointed together (the job's
 *                          {@code spec.checkpoints.interval})
 */
public record KinesisEngineSettings(KinesisSourceSettings source, KinesisSinkSettings sink, boolean endOfInputMarkers,
                                    Duration checkpointInterval) {

    public KinesisEngineSettings withEndOfInputMarkers(boolean endOfInputMarkers) {
        return new KinesisEngineSettings(source, sink, endOfInputMarkers, checkpointInterval);
    }

    public KinesisEngineSettings withCheckpointInterval(Duration checkpointInterval) {
        return new KinesisEngineSettings(source, sink, endOfInputMarkers, checkpointInterval);
    }
}

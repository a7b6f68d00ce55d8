package dev.weir.kinesis.engine;

import dev.weir.runtime.pipeline.Engine;
import java.util.Map;

/** What the pod's runner reads of either Kinesis engine, beyond {@link Engine}. */
public interface KinesisJobEngine extends Engine {

    /** Per source shard this pod reads: how far behind the newest record its last read was, -1 when unknown. */
    Map<String, Long> millisBehindLatest();
}

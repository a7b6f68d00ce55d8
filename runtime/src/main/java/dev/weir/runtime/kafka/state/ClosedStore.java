package dev.weir.runtime.kafka.state;

import java.nio.file.Path;
import org.apache.kafka.common.TopicPartition;

/** Where a closed store's files are: what a savepoint at shutdown stores. */
record ClosedStore(String taskId, Path taskDir, Path dbDir, TopicPartition changelog) {}

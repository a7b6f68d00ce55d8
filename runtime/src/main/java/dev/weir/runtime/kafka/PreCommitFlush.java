package dev.weir.runtime.kafka;

import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A hook that runs in a task right before Kafka Streams commits its offsets, for a processor that holds records
 * back ({@link KeyedBatches}): what it forwards there is sent, and under exactly-once written in the same
 * transaction, before the offsets of the records it came from are committed. A crash before that commit loses the
 * held records and their offsets together, so they are read again.
 *
 * <p>Kafka Streams has no public hook before a commit. It flushes the caches of its cached stores there
 * ({@code StreamTask.prepareCommit} → {@code ProcessorStateManager.flushCache}, then the record collector's flush,
 * then the offsets), and a KTable's cache forwards its records downstream in that flush. This store takes the same
 * path: it holds no state, and in {@link CachedStateStore#flushCache} it runs the processor's flush with the
 * processor as the current node, as the caches of Kafka Streams do. Both are internal interfaces of Kafka Streams
 * (4.1), the one place Weir uses them; the exactly-once crash test ({@code ServeModeIT}) fails if the hook stops
 * being called.
 */
final class PreCommitFlush implements StateStore, CachedStateStore<Object, Object> {
    static final String NAME = "weir-pre-commit";

    private boolean open;
    private InternalProcessorContext<?, ?> processorContext;
    private ProcessorNode<?, ?, ?, ?> node;
    private String topic;
    private Runnable flush;

    /** Builds one hook per task; connect it to the processor that uses it. */
    static StoreBuilder<PreCommitFlush> builder() {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<PreCommitFlush> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<PreCommitFlush> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<PreCommitFlush> withLoggingEnabled(Map<String, String> config) {
                throw new UnsupportedOperationException("the pre-commit hook keeps no state to log");
            }

            @Override
            public StoreBuilder<PreCommitFlush> withLoggingDisabled() {
                return this;
            }

            @Override
            public PreCommitFlush build() {
                return new PreCommitFlush();
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return NAME;
            }
        };
    }

    /**
     * Called from the processor's {@code init}, while Kafka Streams has it as the current node: {@code flush} then
     * runs before each commit of the task, forwarding as that processor.
     */
    void runBeforeCommit(ProcessorContext<?, ?> context, String sourceTopic, Runnable flush) {
        if (!(context instanceof InternalProcessorContext<?, ?> internal) || internal.currentNode() == null) {
            throw new IllegalStateException("the pre-commit hook needs Kafka Streams' own processor context, in init;"
                    + " got " + context.getClass().getName());
        }
        this.processorContext = internal;
        this.node = internal.currentNode();
        this.topic = sourceTopic;
        this.flush = flush;
    }

    @Override
    public void flushCache() {
        if (flush == null) {
            return;
        }
        ProcessorNode<?, ?, ?, ?> previousNode = processorContext.currentNode();
        ProcessorRecordContext previousRecord = processorContext.recordContext();
        processorContext.setCurrentNode(node);
        processorContext.setRecordContext(new ProcessorRecordContext(System.currentTimeMillis(), -1,
                processorContext.taskId().partition(), topic, new RecordHeaders()));
        try {
            flush.run();
        } finally {
            processorContext.setCurrentNode(previousNode);
            processorContext.setRecordContext(previousRecord);
        }
    }

    @Override
    public void clearCache() {
        // nothing held here: the processor forgets its batches when its task is revived (init)
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> { });
        open = true;
    }

    @Override
    public void flush() {
        // the batches go in flushCache, before the offsets are committed; this flush comes after
    }

    @Override
    public void close() {
        open = false;
        flush = null;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }
}

package dev.weir.runtime.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
 *
 * <p>Under at-least-once (the default) the tasks of one stream thread share their commits: the first hook Kafka
 * Streams calls in a commit also sends the other source tasks' held batches and flushes the other window tasks'
 * state caches ({@link #flushCacheBeforeCommit}) to their stores and changelogs, so that its producer flush waits
 * for all of it in one round trip to the broker. Without that each task's flush waited for its own records, one
 * round trip after another: eight a commit for four partitions, a quarter of the stream thread's time in the
 * benchmark (docs/benchmark.md). Window tasks have a hook of their own ({@link #WINDOW_NAME}) for that, since Kafka
 * Streams commits a thread's tasks in no set order; a task flushes all its stores' caches before its producer
 * flush, so the place of the hook among them does not matter.
 *
 * <p>Nothing is sent that its own task's commit would not have sent, only sooner: a cache flushes its dirty entries
 * whenever it evicts, and a batch may always leave before its task's commit; if a task's offsets then miss that
 * commit, a crash only reads those records again, as at-least-once allows. Under exactly-once every hook does only
 * its own task's work: the tasks of a thread share one transaction there, and records in it whose offsets were not
 * would count twice after a crash.
 */
final class PreCommitFlush implements StateStore, CachedStateStore<Object, Object> {
    static final String NAME = "weir-pre-commit";
    /** The window tasks' hook: under at-least-once a window task's commit that comes first starts the shared work. */
    static final String WINDOW_NAME = "weir-pre-commit-window";

    private final String name;

    private boolean open;
    private InternalProcessorContext<?, ?> processorContext;
    private ProcessorNode<?, ?, ?, ?> node;
    private String topic;
    private Runnable flush;
    /** This hook's place among its stream thread's shared commit work, or null when it commits alone. */
    private SharedCommit shared;
    /** Each stream thread's work that any of its tasks' commits may do first (at-least-once). */
    private static final ThreadLocal<List<Runnable>> THREAD_COMMITS =
            ThreadLocal.withInitial(CopyOnWriteArrayList::new);

    /** Work in a stream thread's shared commits, until {@link #leave}. */
    private static final class SharedCommit {
        private final List<Runnable> thread;
        private final Runnable work;

        private SharedCommit(List<Runnable> thread, Runnable work) {
            this.thread = thread;
            this.work = work;
            thread.add(work);
        }

        void leave() {
            thread.remove(work);
        }

        private void runAll() {
            for (Runnable each : thread) {
                each.run();
            }
        }
    }

    private PreCommitFlush(String name) {
        this.name = name;
    }

    /** Builds one hook per task; connect it to the processor that uses it. */
    static StoreBuilder<PreCommitFlush> builder(String name) {
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
                return new PreCommitFlush(name);
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
                return name;
            }
        };
    }

    /**
     * Called from the processor's {@code init}, on its stream thread, while Kafka Streams has it as the current node:
     * {@code flush} then runs before each commit of the task, forwarding as that processor (under at-least-once,
     * before the first commit of its thread's tasks that comes first).
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
        leaveShared();
        if (atLeastOnce(context)) {
            shared = new SharedCommit(THREAD_COMMITS.get(), this::runFlush);
        }
    }

    /**
     * Called from a window processor's {@code init}, on its stream thread: under at-least-once, the flush of
     * {@code store}'s cache joins the work this thread's commits share, and this hook starts that work when its task's
     * commit comes first; under exactly-once this hook does nothing, and Kafka Streams flushes the cache in the task's
     * own commit as always.
     */
    void flushCacheBeforeCommit(ProcessorContext<?, ?> context, StateStore store) {
        leaveShared();
        if (atLeastOnce(context) && store instanceof CachedStateStore<?, ?> cached) {
            shared = new SharedCommit(THREAD_COMMITS.get(), () -> {
                if (store.isOpen()) {
                    cached.flushCache();
                }
            });
        }
    }

    /** Whether Kafka Streams runs this application at least once (its default), rather than exactly once. */
    private static boolean atLeastOnce(ProcessorContext<?, ?> context) {
        return !StreamsSettings.exactlyOnce(context.appConfigs());
    }

    @Override
    public void flushCache() {
        if (shared != null) {
            shared.runAll();
        } else {
            runFlush();
        }
    }

    private void runFlush() {
        if (flush == null || !open) {
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
        return name;
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
        leaveShared();
    }

    private void leaveShared() {
        if (shared != null) {
            shared.leave();
            shared = null;
        }
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

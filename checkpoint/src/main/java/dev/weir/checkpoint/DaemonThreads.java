package dev.weir.checkpoint;

import java.util.concurrent.ThreadFactory;

/** Threads of the runtime's and the store's background pools: named for thread dumps, never keeping the JVM up. */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

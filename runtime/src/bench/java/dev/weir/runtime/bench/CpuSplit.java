package dev.weir.runtime.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where this JVM's CPU went during one run: the application's stream thread, its clients' I/O threads, the other
 * Java threads (the broker's, mostly), and what no Java thread accounts for (garbage collection, the JIT compiler,
 * RocksDB's native threads). The broker shares the JVM, so it is part of each application's cost: what an
 * application sends through its repartition and changelog topics, the broker writes and serves back.
 */
final class CpuSplit {
    /** Seconds of CPU. */
    record Split(double total, double streamThread, double appClients, double otherJava, double outsideJava) {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long processBefore = processCpuNanos();
    private final Map<Long, Long> threadsBefore = threadCpuNanos();

    static CpuSplit start() {
        return new CpuSplit();
    }

    /** A Kafka Streams application's stream threads: {@code <application id>-…-StreamThread-<n>}. */
    static Predicate<String> streamThreads(String applicationId) {
        return name -> name.startsWith(applicationId + "-") && name.matches(".*-StreamThread-\\d+");
    }

    /**
     * A Flink job's task threads, {@code <operator chain> (<subtask>/<parallelism>)#<attempt>}, but not its sources'
     * fetcher threads, which are Kafka client I/O.
     */
    static Predicate<String> flinkTaskThreads() {
        return name -> name.matches(".* \\(\\d+/\\d+\\)#\\d+") && !name.startsWith("Source Data Fetcher");
    }

    /**
     * Splits the CPU used since {@link #start()}; call it while the application's threads still run.
     *
     * @param processing the application's processing threads, by name; its other threads carry its application id
     */
    Split stop(String applicationId, Predicate<String> processing) {
        long total = processCpuNanos() - processBefore;
        long stream = 0;
        long clients = 0;
        long otherJava = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long used = THREADS.getThreadCpuTime(info.getThreadId());
            if (used < 0) {
                continue;
            }
            used -= threadsBefore.getOrDefault(info.getThreadId(), 0L);
            String name = info.getThreadName();
            if (processing.test(name)) {
                stream += used;
            } else if (name.contains(applicationId)) {
                clients += used;
            } else {
                otherJava += used;
            }
        }
        return new Split(total / 1e9, stream / 1e9, clients / 1e9, otherJava / 1e9,
                Math.max(0, total - stream - clients - otherJava) / 1e9);
    }

    private static Map<Long, Long> threadCpuNanos() {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            long used = THREADS.getThreadCpuTime(id);
            if (used >= 0) {
                cpu.put(id, used);
            }
        }
        return cpu;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}

package dev.weir.runtime.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The heap of this JVM while one run goes on: the peak of heap in use, sampled every {@value #SAMPLE_MILLIS} ms
 * (garbage included, so it mostly shows how far the collector lets the heap fill), and the peak of what the heap
 * still held after each collection (closer to what the run needs live), and the peak of the process's resident
 * memory. All include the broker, which shares the JVM. Collections are counted too.
 */
final class HeapSampler implements AutoCloseable {
    static final int SAMPLE_MILLIS = 10;
    /** Reading /proc costs more than asking the heap; resident memory moves more slowly. */
    static final int RSS_SAMPLE_MILLIS = 50;
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    /** Peak after a collection, of the sampler currently running; collections report on the JMX thread. */
    private static final AtomicLong PEAK_AFTER_GC = new AtomicLong();

    static {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                    long after = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                            .filter(e -> HEAP_POOLS.contains(e.getKey()))
                            .mapToLong(e -> e.getValue().getUsed()).sum();
                    PEAK_AFTER_GC.accumulateAndGet(after, Math::max);
                }
            }, null, null);
        }
    }

    /**
     * What a run took. Peaks are bytes, GC time milliseconds. {@code peakRss} is the process's resident memory
     * (heap, metaspace, direct buffers, RocksDB, thread stacks), sampled, and {@code rssAtStart} what it was when the
     * run began: a JVM seldom gives memory back, so a run's peak includes what earlier runs left resident; 0 where
     * /proc is not there.
     */
    record Heap(long peakUsed, long peakAfterGc, long peakRss, long rssAtStart, long collections,
                long collectionMillis) {}

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "bench-heap-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakRss = new AtomicLong();
    private final long rssAtStart = rss("VmRSS");
    private final long collectionsBefore;
    private final long collectionMillisBefore;

    private HeapSampler() {
        collectionsBefore = collections();
        collectionMillisBefore = collectionMillis();
        PEAK_AFTER_GC.set(0);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        sampler.scheduleAtFixedRate(() -> peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rss("VmRSS"), Math::max),
                0, RSS_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * A field of /proc/self/status in bytes: {@code VmRSS} (resident now) or {@code VmHWM} (the process's peak
     * resident so far); 0 where there is no /proc.
     */
    static long rss(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    static HeapSampler start() {
        return new HeapSampler();
    }

    /** Heap in use now, after a full collection: what is live when no application runs. */
    static long liveAfterFullGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long heapCap() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getMax();
    }

    Heap stop() {
        sampler.shutdownNow();
        return new Heap(peakUsed.get(), PEAK_AFTER_GC.get(), peakRss.get(), rssAtStart, collections() - collectionsBefore,
                collectionMillis() - collectionMillisBefore);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }

    private static long collections() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long collectionMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }
}

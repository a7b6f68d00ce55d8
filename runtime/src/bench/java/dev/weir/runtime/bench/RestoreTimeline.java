package dev.weir.runtime.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * When an instance's phases end, from {@code start()}: the first changelog restore begins once every task's store is
 * open (for (a) after its checkpoint is downloaded), the last one ends once the changelog is replayed, then RUNNING.
 * Times are nanoTime; 0 means not reached.
 */
final class RestoreTimeline implements StateRestoreListener {
    private volatile long started;
    private final AtomicLong firstRestoreStart = new AtomicLong();
    private final AtomicLong lastRestoreEnd = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private volatile long running;
    /** Per changelog partition: when its restore began and ended. */
    private final Map<TopicPartition, long[]> partitions = new ConcurrentHashMap<>();

    void started() {
        started = System.nanoTime();
    }

    void state(KafkaStreams.State now) {
        if (now == KafkaStreams.State.RUNNING && running == 0) {
            running = System.nanoTime();
        }
    }

    long running() {
        return running;
    }

    double seconds(long at) {
        return at == 0 ? Double.NaN : (at - started) / 1e9;
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        firstRestoreStart.compareAndSet(0, System.nanoTime());
        partitions.put(partition, new long[] {System.nanoTime(), 0, endingOffset - startingOffset});
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        restored.addAndGet(numRestored);
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        lastRestoreEnd.set(System.nanoTime());
        partitions.computeIfPresent(partition, (p, times) -> new long[] {times[0], System.nanoTime(), times[2]});
    }

    String describe() {
        return String.format("stores open and changelog restore begun at %.2f s, %,d changelog records replayed by"
                        + " %.2f s, RUNNING at %.2f s", seconds(firstRestoreStart.get()), restored.get(),
                seconds(lastRestoreEnd.get()), seconds(running)) + perPartition();
    }

    private String perPartition() {
        StringBuilder line = new StringBuilder();
        new TreeMap<String, long[]>(partitions.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                e -> e.getKey().toString(), Map.Entry::getValue))).forEach((partition, times) -> line.append(
                String.format("%n      %s: up to %,d records from %.2f s to %.2f s", partition, times[2],
                        seconds(times[0]), seconds(times[1]))));
        return line.toString();
    }
}

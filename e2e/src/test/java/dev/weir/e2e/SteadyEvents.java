package dev.weir.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.weir.runtime.pipeline.DeadLetterReason;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The fault run's generator: {@link CountedEvents} at a steady rate, event {@code i} to partition {@code i % keys} (one
 * key per partition), in ticks of a tenth of a second, a burst on request, and after {@code badAfter} one bad record
 * per {@code 100 / badPercent} good ones, by turns malformed, with an event time that cannot be read, and late (an
 * hour before the first window, long closed). Every record is acknowledged by the broker with retries (idempotent, in
 * order) through the broker's restart, so what was written is exactly what was generated; a write that fails for good
 * is kept and fails the run.
 */
final class SteadyEvents implements AutoCloseable {
    private static final Duration TICK = Duration.ofMillis(100);
    private static final List<DeadLetterReason> BAD_KINDS = List.of(DeadLetterReason.malformed,
            DeadLetterReason.bad_event_time, DeadLetterReason.late);
    private static final Duration LATE_BY = Duration.ofHours(1);

    private final String topic;
    private final int partitions;
    private final int perTick;
    private final int goodPerBad;
    private final Instant badFrom;
    private final CountedEvents events;
    private final long firstWindowMillis;
    private final KafkaProducer<String, String> producer;
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "steady-events");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger burst = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    /** The bad records written, by their text: the dead letter each must become. */
    private final Map<String, DeadLetterReason> bad = new LinkedHashMap<>();
    private int written;
    private int sinceBad;

    /**
     * @param ratePerSecond good events a second, a multiple of {@code 10 × partitions} so each tick fills every
     *                      partition alike
     */
    SteadyEvents(String bootstrapServers, String topic, int partitions, int ratePerSecond, int badPercent,
                 Duration badAfter, CountedEvents events, long firstWindowMillis) {
        this.topic = topic;
        this.partitions = partitions;
        this.perTick = (int) (ratePerSecond * TICK.toMillis() / 1000);
        this.goodPerBad = 100 / badPercent - 1;
        this.badFrom = Instant.now().plus(badAfter);
        this.events = events;
        this.firstWindowMillis = firstWindowMillis;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // longer than any outage of the run: the broker's restart must not lose or reorder a record
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofMinutes(10).toMillis(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Duration.ofMinutes(10).toMillis(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new StringSerializer());
    }

    void start() {
        ticks.scheduleAtFixedRate(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code count} events at once on the next tick, on top of the steady rate: a multiple of the partitions. */
    void burst(int count) {
        burst.addAndGet(count);
    }

    /** Stops generating and returns once every record written is acknowledged. */
    void stop() throws Exception {
        ticks.shutdown();
        if (!ticks.awaitTermination(1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the generator's last tick did not end");
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("the generator could not write every record", failure.get());
        }
    }

    /** Good events written. */
    synchronized int written() {
        return written;
    }

    /** The bad records written, by text, with the reason their dead letters must give. */
    synchronized Map<String, DeadLetterReason> badRecords() {
        return Map.copyOf(bad);
    }

    @Override
    public void close() {
        ticks.shutdownNow();
        producer.close(Duration.ofSeconds(10));
    }

    private synchronized void tick() {
        int count = perTick + burst.getAndSet(0);
        List<String> values = events.events(written, count);
        for (int i = 0; i < values.size(); i++) {
            send((written + i) % partitions, values.get(i));
            if (Instant.now().isAfter(badFrom) && ++sinceBad > goodPerBad) {
                sinceBad = 0;
                sendBad((written + i) % partitions);
            }
        }
        written += values.size();
    }

    private void sendBad(int partition) {
        int n = bad.size();
        String id = "bad-" + n;
        String key = CountedEvents.KEY + partition;
        DeadLetterReason reason = BAD_KINDS.get(n % BAD_KINDS.size());
        String text = switch (reason) {
            case malformed -> "{\"%s\":\"%s\",\"id\":\"%s\",".formatted(CountedEvents.KEY, key, id);
            case bad_event_time -> "{\"%s\":\"%s\",\"%s\":\"%s\",\"%s\":1}".formatted(CountedEvents.KEY, key,
                    CountedEvents.TIME, id, CountedEvents.VALUE);
            default -> "{\"%s\":\"%s\",\"%s\":%d,\"%s\":1,\"id\":\"%s\"}".formatted(CountedEvents.KEY, key,
                    CountedEvents.TIME, firstWindowMillis - LATE_BY.toMillis(), CountedEvents.VALUE, id);
        };
        bad.put(text, reason);
        send(partition, text);
    }

    private void send(int partition, String value) {
        producer.send(new ProducerRecord<>(topic, partition, null, value), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    /** The events' windows, once each. */
    synchronized List<Map<String, Object>> expectedWindows() {
        return new ArrayList<>(events.expectedWindows());
    }
}

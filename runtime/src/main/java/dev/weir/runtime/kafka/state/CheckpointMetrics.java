package dev.weir.runtime.kafka.state;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Meters of the state checkpoints, and whether they are failing: set by a failed checkpoint, cleared by the
 * next stored one. Prometheus shows them as {@code weir_checkpoint_failures_total} and so on.
 */
public final class CheckpointMetrics {
    public static final String WRITTEN = "weir.checkpoints.written";
    public static final String FAILURES = "weir.checkpoint.failures";
    public static final String UPLOADED_BYTES = "weir.checkpoint.uploaded.bytes";
    public static final String LAST_SUCCESS = "weir.checkpoint.last.success.timestamp.seconds";
    public static final String FAILING = "weir.checkpoints.failing";
    public static final String RESTORES = "weir.checkpoint.restores";

    /** How a task's state started when it had no local files. */
    public enum Restore {
        /** from the job's latest checkpoint, then the changelog tail */
        checkpoint,
        /** from the savepoint of spec.restoreFrom, then the whole changelog of this job */
        savepoint,
        /** nothing stored yet: the whole changelog */
        none,
        /** the checkpoint was unusable (corrupt, unreachable, too old): the whole changelog, with a warning */
        fallback
    }

    /** A failure the operator can show: when it started and what it was. */
    public record Failing(Instant since, String message) {}

    private final Counter written;
    private final Counter failures;
    private final Counter uploadedBytes;
    private final Map<Restore, Counter> restores = new EnumMap<>(Restore.class);
    private final AtomicReference<Instant> lastSuccess = new AtomicReference<>();
    private final AtomicReference<Failing> failing = new AtomicReference<>();

    public CheckpointMetrics(MeterRegistry registry) {
        written = Counter.builder(WRITTEN).description("Task state checkpoints stored").register(registry);
        failures = Counter.builder(FAILURES).description("Task state checkpoints that could not be taken or stored")
                .register(registry);
        uploadedBytes = Counter.builder(UPLOADED_BYTES)
                .description("Bytes uploaded by checkpoints (files already stored are not uploaded again)")
                .register(registry);
        for (Restore r : Restore.values()) {
            restores.put(r, Counter.builder(RESTORES).tag("result", r.name())
                    .description("Task stores initialised without local files, by where their state came from")
                    .register(registry));
        }
        registry.gauge(LAST_SUCCESS, lastSuccess, t -> t.get() == null ? Double.NaN : t.get().toEpochMilli() / 1000.0);
        registry.gauge(FAILING, failing, f -> f.get() == null ? 0 : 1);
    }

    void stored(long bytesUploaded, Instant at) {
        written.increment();
        uploadedBytes.increment(bytesUploaded);
        lastSuccess.set(at);
        failing.set(null);
    }

    void failed(String message, Instant at) {
        failures.increment();
        failing.accumulateAndGet(new Failing(at, message),
                (current, next) -> current == null ? next : new Failing(current.since(), next.message()));
    }

    void restored(Restore how) {
        restores.get(how).increment();
    }

    /** Present while checkpoints are failing: since the first failure after the last success, the latest error. */
    public Optional<Failing> failing() {
        return Optional.ofNullable(failing.get());
    }

    public Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccess.get());
    }
}

package dev.weir.operator.checkpoints;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.StreamJob;
import dev.weir.checkpoint.CheckpointException;
import dev.weir.checkpoint.TaskCheckpoints;
import dev.weir.operator.config.RuntimeDefaults;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists each job's checkpoint store at most once per {@code spec.checkpoints.interval} (a listing reads every
 * manifest), or every {@link #URGENT_INTERVAL} while a savepoint is awaited (a request or a deletion).
 */
public final class CheckpointListings {
    /** How often the store is listed while a savepoint is awaited. */
    static final Duration URGENT_INTERVAL = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointListings.class);

    private final RuntimeDefaults defaults;
    private final Clock clock;
    private final Map<String, StoreListing> last = new ConcurrentHashMap<>();

    public CheckpointListings(RuntimeDefaults defaults, Clock clock) {
        this.defaults = defaults;
        this.clock = clock;
    }

    /** A new listing when one is due, empty otherwise (and for a job without a store). */
    public Optional<StoreListing> listIfDue(StreamJob job, KubernetesClient client, boolean urgent) {
        if (!hasStore(job)) {
            return Optional.empty();
        }
        StoreListing previous = last.get(key(job));
        Instant now = clock.instant();
        if (previous != null && now.isBefore(previous.listedAt().plus(urgent ? URGENT_INTERVAL : interval(job)))) {
            return Optional.empty();
        }
        StoreListing listing = list(job, client, now);
        last.put(key(job), listing);
        return Optional.of(listing);
    }

    /** When the next listing is due; empty for a job without a store. */
    public Optional<Duration> nextListing(StreamJob job, boolean urgent) {
        if (!hasStore(job)) {
            return Optional.empty();
        }
        Duration wait = urgent ? URGENT_INTERVAL : interval(job);
        return Optional.ofNullable(last.get(key(job)))
                .map(listing -> Duration.between(clock.instant(), listing.listedAt().plus(wait)))
                .map(left -> left.isNegative() ? Duration.ZERO : left)
                .or(() -> Optional.of(Duration.ZERO));
    }

    boolean hasStore(StreamJob job) {
        return (job.getSpec().checkpoints != null && job.getSpec().checkpoints.location != null)
                || defaults.checkpointLocation().isPresent();
    }

    void forget(StreamJob job) {
        last.remove(key(job));
    }

    private StoreListing list(StreamJob job, KubernetesClient client, Instant now) {
        String where = "spec.checkpoints.location";
        try {
            JobStore store = JobStore.of(job, defaults, client).orElseThrow();
            try (TaskCheckpoints checkpoints = store.open()) {
                where = checkpoints.jobLocation().toString();
                return StoreListing.listed(where, now, checkpoints.list());
            }
        } catch (CheckpointException | RuntimeException e) {
            // the store's, S3's or the API server's failure alike: status shows it, the next listing retries
            String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            LOG.debug("StreamJob {}: cannot list its checkpoints at {}: {}", key(job), where, message);
            return StoreListing.failed(where, now, message);
        }
    }

    private static Duration interval(StreamJob job) {
        return Objects.requireNonNullElseGet(job.getSpec().checkpoints, CheckpointSpec::new).intervalOrDefault();
    }

    private static String key(StreamJob job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }
}

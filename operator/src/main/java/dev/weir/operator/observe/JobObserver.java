package dev.weir.operator.observe;

import dev.weir.api.StreamJob;
import dev.weir.operator.checkpoints.CheckpointListings;
import dev.weir.operator.checkpoints.CheckpointStatuses;
import dev.weir.operator.checkpoints.StoreListing;
import dev.weir.operator.dependents.Replicas;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The observe phase: reads a valid job's workload from the informers' caches, polls its lag when a poll is due and
 * lists its checkpoint store when a listing is due, once per reconcile, into one {@link Observation}.
 */
public final class JobObserver {
    private final Autoscaling autoscaling;
    private final CheckpointListings listings;
    private final Clock clock;

    public JobObserver(Autoscaling autoscaling, CheckpointListings listings, Clock clock) {
        this.autoscaling = autoscaling;
        this.listings = listings;
        this.clock = clock;
    }

    public Observation observe(StreamJob job, Context<StreamJob> context) {
        WorkloadObservation workload = WorkloadObservation.of(context);
        int current = Replicas.current(job, workload.statefulSet());
        Optional<Autoscaling.Poll> poll = autoscaling.poll(job, current);
        Instant now = clock.instant();
        Optional<StoreListing> listing = listings.listIfDue(job, context.getClient(),
                CheckpointStatuses.awaitingSavepoint(job));
        return new Observation(workload, current, poll, listing, now);
    }

    /**
     * When to observe again if nothing else triggers a reconcile: the next lag poll or store listing due, also at
     * zero pods.
     *
     * @param awaitingSavepoint whether an on-demand savepoint is still pending: the store is then listed sooner
     */
    public Duration nextObservation(StreamJob job, Observation observed, boolean awaitingSavepoint) {
        Duration nextPoll = observed.poll().map(Autoscaling.Poll::nextPoll)
                .orElseGet(() -> autoscaling.pollInterval(job));
        Duration nextListing = listings.nextListing(job, awaitingSavepoint).orElse(nextPoll);
        return nextPoll.compareTo(nextListing) <= 0 ? nextPoll : nextListing;
    }
}

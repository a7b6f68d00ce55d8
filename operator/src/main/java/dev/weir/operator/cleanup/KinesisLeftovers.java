package dev.weir.operator.cleanup;

import dev.weir.api.KinesisLayout;
import dev.weir.api.StreamJob;
import dev.weir.operator.lag.KinesisConnections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What a deleted Kinesis job's pods made in AWS and nothing else removes: the Kinesis Client Library's lease tables
 * and, on several pods, the shuffle stream, whose shards are billed by the hour ({@link KinesisLayout}). The finalizer
 * deletes them once the job's pods are gone (a running pod would make its tables again), with the identity the job
 * names for its source: that identity needs {@code dynamodb:DeleteTable} on the tables and
 * {@code kinesis:DeleteStream} on the shuffle stream (docs/kinesis.md).
 */
public final class KinesisLeftovers {
    /** Bound on each request: deleting runs on the reconcile thread. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final KinesisConnections connections;

    public KinesisLeftovers(KinesisConnections connections) {
        this.connections = connections;
    }

    /** Whether the job may have left anything in AWS: it reads Kinesis. */
    public boolean concern(StreamJob job) {
        return KinesisLayout.of(job.getSpec()).isPresent();
    }

    /** What one deletion did: the resources deleted, those already absent, and those that could not be deleted. */
    public record Outcome(List<String> deleted, List<String> absent, List<String> failed, String identity) {
        public boolean complete() {
            return failed.isEmpty();
        }
    }

    /**
     * Deletes the job's lease tables and, when it has one, its shuffle stream. A resource already gone counts as
     * absent; one that cannot be deleted (no permission, the server unreachable) goes into {@link Outcome#failed()}
     * with the reason, and the others are still tried.
     */
    public Outcome delete(StreamJob job) {
        KinesisConnections.Clients clients = connections.of(job);
        List<String> deleted = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String table : KinesisLayout.leaseTables(job)) {
            String what = "DynamoDB table " + table;
            sort(what, () -> clients.dynamoDb().deleteTable(request -> request.tableName(table)),
                    software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException.class,
                    "dynamodb:DeleteTable", deleted, absent, failed);
        }
        if (hadShuffle(job)) {
            String stream = KinesisLayout.shuffleStream(job);
            sort("Kinesis stream " + stream, () -> clients.kinesis().deleteStream(request -> request
                            .streamName(stream).enforceConsumerDeletion(true)),
                    software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException.class,
                    "kinesis:DeleteStream", deleted, absent, failed);
        }
        return new Outcome(List.copyOf(deleted), List.copyOf(absent), List.copyOf(failed), clients.identity());
    }

    /**
     * Whether the job may have a shuffle stream: its spec shuffles (several pods and a window), or its status lists
     * checkpoints of window tasks on several pods (a refused edit can have left the spec on one pod, or the window
     * was dropped since). A job that never shuffled is not asked for {@code kinesis:DeleteStream}.
     */
    public static boolean hadShuffle(StreamJob job) {
        return KinesisLayout.shuffles(job.getSpec()) || KinesisLayout.writtenIn(job.getStatus()).keySet().stream()
                .anyMatch(task -> task.startsWith(KinesisLayout.WINDOW_TASK_PREFIX));
    }

    private static void sort(String what, Supplier<CompletableFuture<?>> request, Class<? extends Exception> notFound,
                             String action, List<String> deleted, List<String> absent, List<String> failed) {
        try {
            request.get().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            deleted.add(what);
        } catch (ExecutionException e) {
            if (notFound.isInstance(e.getCause())) {
                absent.add(what);
            } else {
                failed.add(what + " (" + action + ": " + e.getCause().getMessage() + ")");
            }
        } catch (TimeoutException e) {
            failed.add(what + " (" + action + ": no answer within " + REQUEST_TIMEOUT.toSeconds() + " s)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.add(what + " (interrupted)");
        } catch (RuntimeException e) {
            // the request could not be made: the identity's Secret unreadable, a bad endpoint
            failed.add(what + " (" + e.getMessage() + ")");
        }
    }
}

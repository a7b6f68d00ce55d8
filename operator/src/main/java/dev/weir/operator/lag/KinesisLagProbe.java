package dev.weir.operator.lag;

import dev.weir.api.ConsumerGroups;
import dev.weir.api.SourceSpec;
import dev.weir.api.StreamJob;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Lag of a job's Kinesis source, from Kinesis and the job's lease table, so it works while no pod runs. Lag on Kinesis
 * is time: sequence numbers are not dense, so records cannot be counted from positions.
 *
 * <p>Per shard, from the job's checkpoint in the Kinesis Client Library's lease table (named after the application,
 * {@link ConsumerGroups#of}; one item per shard, {@code leaseKey} = shard id, {@code checkpoint} = a sequence number or
 * a sentinel), it reads the one record after the checkpoint (GetShardIterator AFTER_SEQUENCE_NUMBER, or where the job
 * would start when there is none, then GetRecords limit 1). No record: the shard is caught up. A record: the shard is
 * behind by the larger of the response's MillisBehindLatest and the record's age (now − its approximate arrival time;
 * the age is what lets one record written to an idle stream wake the job, since MillisBehindLatest is 0 at the tip).
 *
 * <p>The reading counts shard-milliseconds of stream ({@link dev.weir.operator.autoscaler.LagUnit#SHARD_MILLISECONDS}, {@link ShardLagReadings}).
 * A shard has input when a record waits after its checkpoint or its checkpoint moved since the previous poll; each
 * such shard brings 1000 per second (the input rate, without CloudWatch). The lag is the furthest shard's lag × the
 * shards with input: the autoscaler sizes for every shard being as far behind as the furthest, never for a sum of
 * shard lags. The processed work is what arrived minus the lag, so a backlog that shrinks shows what the pods
 * process.
 *
 * <p>Shards a split or merge closed count while the job still reads them (a lease whose checkpoint is not SHARD_END);
 * the pod bound is the open shard count. A child shard without a lease starts at its trim horizon, as the library
 * starts it. Each poll costs one GetShardIterator and one GetRecords per shard read, at most once per
 * {@link #MIN_POLL_GAP} per job: the probe never takes more than one of a shard's 5 reads per second.
 */
public final class KinesisLagProbe implements LagProbe {
    /** Bound on each request: a poll must not hold the reconcile thread for long. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Polls of one job closer than this reuse the last reading: at most one GetRecords per shard per second. */
    static final Duration MIN_POLL_GAP = Duration.ofSeconds(1);

    static final String LEASE_KEY = "leaseKey";
    static final String CHECKPOINT = "checkpoint";
    static final String SHARD_END = "SHARD_END";
    static final String TRIM_HORIZON = "TRIM_HORIZON";
    static final String LATEST = "LATEST";
    static final String AT_TIMESTAMP = "AT_TIMESTAMP";

    private final Clock clock;
    private final KinesisConnections connections;
    private final Map<String, JobMemory> jobs = new ConcurrentHashMap<>();

    /**
     * A probe that reads every job with the operator's own {@code credentials}.
     *
     * @param dynamoDbEndpoint where the lease tables are: a DynamoDB-compatible server, or empty for AWS's DynamoDB
     *                         of the stream's region
     */
    public KinesisLagProbe(Clock clock, AwsCredentialsProvider credentials, Optional<URI> dynamoDbEndpoint) {
        this(clock, new KinesisConnections(job -> new KinesisConnections.Credentials("the operator's", credentials),
                dynamoDbEndpoint));
    }

    /**
     * A probe that reads each job through {@code connections}, and closes them when it is closed (the operator stops
     * its finalizer, which shares them, with it).
     */
    public KinesisLagProbe(Clock clock, KinesisConnections connections) {
        this.clock = clock;
        this.connections = connections;
    }

    @Override
    public boolean reads(StreamJob job) {
        return job.getSpec().source != null && job.getSpec().source.kinesis != null;
    }

    @Override
    public LagReading read(StreamJob job) {
        SourceSpec.KinesisSource source = job.getSpec().source.kinesis;
        String application = ConsumerGroups.of(job);
        JobMemory memory = jobs.computeIfAbsent(key(job), key -> new JobMemory());
        synchronized (memory) {
            Instant now = clock.instant();
            if (memory.last != null && Duration.between(memory.last.time(), now).compareTo(MIN_POLL_GAP) < 0) {
                return memory.last;
            }
            try {
                KinesisConnections.Clients client = connections.of(job);
                memory.last = read(client, source, application, memory);
                return memory.last;
            } catch (SdkException | ExecutionException | TimeoutException | IllegalStateException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                throw new LagProbeException("Could not read the lag of Kinesis application " + application
                        + " on stream " + source.stream + " in " + source.region
                        + (source.endpoint == null ? "" : " at " + source.endpoint) + ": " + cause
                        + "; check spec.source.kinesis, and that the identity the probe reads with (the key pair of"
                        + " spec.source.kinesis.credentialsSecret, else the operator's own) may call"
                        + " kinesis:ListShards, GetShardIterator, GetRecords and dynamodb:Scan on table "
                        + application, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LagProbeException("Interrupted while reading the lag of " + application, e);
            }
        }
    }

    private LagReading read(KinesisConnections.Clients client, SourceSpec.KinesisSource source, String application,
                            JobMemory memory)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<Shard> shards = shards(client.kinesis(), source.stream);
        Map<String, String> checkpoints = checkpoints(client.dynamoDb(), application);
        Set<String> listed = new HashSet<>();
        shards.forEach(shard -> listed.add(shard.shardId()));
        Instant now = clock.instant();
        int open = 0;
        int withInput = 0;
        long furthest = 0;
        Map<String, String> seen = new HashMap<>();
        for (Shard shard : shards) {
            boolean isOpen = shard.sequenceNumberRange().endingSequenceNumber() == null;
            open += isOpen ? 1 : 0;
            String checkpoint = checkpoints.get(shard.shardId());
            // a closed shard counts only while the job still reads it
            if (!isOpen && (checkpoint == null || SHARD_END.equals(checkpoint))) {
                continue;
            }
            seen.put(shard.shardId(), checkpoint);
            GetShardIteratorRequest.Builder from = GetShardIteratorRequest.builder().streamName(source.stream)
                    .shardId(shard.shardId());
            boolean child = shard.parentShardId() != null && listed.contains(shard.parentShardId());
            start(from, checkpoint, child, source.startingPosition, memory, shard.shardId(), now);
            String iterator = iterator(client.kinesis(), from);
            GetRecordsResponse response = call(() -> client.kinesis().getRecords(request -> request
                    .shardIterator(iterator).limit(1)));
            long lag = lagMillis(response, now);
            boolean moved = memory.checkpoints.containsKey(shard.shardId())
                    && !Objects.equals(memory.checkpoints.get(shard.shardId()), checkpoint);
            if (lag > 0 || moved) {
                withInput++;
            }
            furthest = Math.max(furthest, lag);
        }
        memory.checkpoints.clear();
        memory.checkpoints.putAll(seen);
        return memory.readings.reading(clock.instant(), open, withInput, furthest);
    }

    /** How far behind the record after the position is; 0 when none waits there. */
    private static long lagMillis(GetRecordsResponse response, Instant now) {
        long behind = response.millisBehindLatest() == null ? 0 : response.millisBehindLatest();
        if (response.records().isEmpty()) {
            // none in this response, yet the stream is further on (records past the trim horizon expired): behind
            return Math.max(0, behind);
        }
        Record record = response.records().get(0);
        long age = record.approximateArrivalTimestamp() == null ? 0
                : Duration.between(record.approximateArrivalTimestamp(), now).toMillis();
        // at least 1: a record waits, however young, and must wake a job at zero pods
        return Math.max(1, Math.max(behind, age));
    }

    /** Where the job reads the shard from next: after its checkpoint, else where the library would start it. */
    private static void start(GetShardIteratorRequest.Builder from, String checkpoint, boolean child,
                              SourceSpec.StartingPosition startingPosition, JobMemory memory, String shardId,
                              Instant now) {
        if (checkpoint != null && !TRIM_HORIZON.equals(checkpoint) && !LATEST.equals(checkpoint)
                && !AT_TIMESTAMP.equals(checkpoint)) {
            from.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(checkpoint);
            return;
        }
        boolean latest = LATEST.equals(checkpoint)
                || checkpoint == null && !child && startingPosition == SourceSpec.StartingPosition.LATEST;
        if (latest) {
            // the job would start at the tip when it starts: records written since the probe first saw it wait
            Instant since = memory.latestBaselines.computeIfAbsent(shardId,
                    key -> now.truncatedTo(ChronoUnit.MILLIS));
            from.shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(since);
            return;
        }
        from.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
    }

    private static List<Shard> shards(KinesisAsyncClient kinesis, String stream)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<Shard> shards = new ArrayList<>();
        String next = null;
        do {
            String token = next;
            ListShardsResponse page = call(() -> kinesis.listShards(request -> {
                if (token == null) {
                    request.streamName(stream);
                } else {
                    request.nextToken(token);
                }
            }));
            shards.addAll(page.shards());
            next = page.nextToken();
        } while (next != null);
        return shards;
    }

    /** Shard id → checkpoint; empty when the job never ran (no table yet). */
    private static Map<String, String> checkpoints(DynamoDbAsyncClient dynamoDb, String table)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, String> checkpoints = new HashMap<>();
        Map<String, AttributeValue> start = null;
        try {
            do {
                Map<String, AttributeValue> from = start;
                ScanResponse page = call(() -> dynamoDb.scan(request -> request.tableName(table).consistentRead(true)
                        .projectionExpression(LEASE_KEY + ", " + CHECKPOINT).exclusiveStartKey(from)));
                for (Map<String, AttributeValue> item : page.items()) {
                    AttributeValue key = item.get(LEASE_KEY);
                    AttributeValue checkpoint = item.get(CHECKPOINT);
                    if (key != null && key.s() != null && checkpoint != null && checkpoint.s() != null) {
                        checkpoints.put(key.s(), checkpoint.s());
                    }
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey()
                        : null;
            } while (start != null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ResourceNotFoundException) {
                return Map.of();
            }
            throw e;
        }
        return checkpoints;
    }

    /**
     * The shard iterator; a baseline the service finds in the future (its clock behind the operator's, or a finer
     * clock than the service's milliseconds) means nothing was written since it, so the read starts at the tip.
     */
    private static String iterator(KinesisAsyncClient kinesis, GetShardIteratorRequest.Builder from)
            throws ExecutionException, InterruptedException, TimeoutException {
        try {
            return call(() -> kinesis.getShardIterator(from.build())).shardIterator();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof InvalidArgumentException invalid) || from.build().timestamp() == null
                    || !String.valueOf(invalid.getMessage()).contains("future")) {
                throw e;
            }
            from.shardIteratorType(ShardIteratorType.LATEST).timestamp(null);
            return call(() -> kinesis.getShardIterator(from.build())).shardIterator();
        }
    }

    private static <T> T call(Supplier<CompletableFuture<T>> request)
            throws ExecutionException, InterruptedException, TimeoutException {
        return request.get().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void forget(StreamJob job) {
        jobs.remove(key(job));
    }

    private static String key(StreamJob job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

    @Override
    public void close() {
        connections.close();
        jobs.clear();
    }

    /** What the probe remembers of one job between polls. */
    private static final class JobMemory {
        /** Shard id → checkpoint at the last poll, to see shards whose checkpoint moved. */
        final Map<String, String> checkpoints = new HashMap<>();
        /** Shard id → when first seen with no checkpoint, for startingPosition LATEST. */
        final Map<String, Instant> latestBaselines = new HashMap<>();
        final ShardLagReadings readings = new ShardLagReadings();
        LagReading last;
    }
}

package dev.weir.kinesis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.InternalFailureException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * Writes records to a Kinesis stream with batched PutRecords calls. Records of one partition key reach the stream in
 * the order given, whatever Kinesis fails and the sink retries ({@link KeyOrderedBatches}); records Kinesis cannot take
 * come back rejected with a reason instead of failing the write; throttling is waited out with growing pauses.
 */
public final class KinesisSink {

    private static final Logger LOG = Logger.getLogger(KinesisSink.class);

    private final KinesisAsyncClient client;
    private final String stream;
    private final KinesisSinkSettings settings;

    public KinesisSink(KinesisAsyncClient client, String stream, KinesisSinkSettings settings) {
        this.client = client;
        this.stream = stream;
        this.settings = settings;
    }

    /**
     * Writes the records and returns once each is in the stream or rejected. Blocks while Kinesis throttles, which
     * holds back the caller (back-pressure).
     *
     * @return the records that were not written, each with the reason (too large, a bad partition key, refused by
     *         Kinesis), for the dead letter
     * @throws KinesisException when the stream cannot be written (missing, no permission), or puts failed for longer
     *                          than {@link KinesisSinkSettings#giveUpAfter()}
     */
    public List<RejectedRecord> put(List<SinkRecord> records) throws InterruptedException {
        KeyOrderedBatches batches = new KeyOrderedBatches(records, settings.maxRecordBytes());
        int failedCallsInRow = 0;
        long stuckSince = System.nanoTime();
        while (!batches.done()) {
            List<SinkRecord> call = batches.next();
            KeyOrderedBatches.Outcome outcome = send(batches, call);
            if (outcome.written() > 0) {
                stuckSince = System.nanoTime();
            }
            if (outcome.retried() == 0) {
                failedCallsInRow = 0;
                continue;
            }
            failedCallsInRow++;
            Duration stuck = Duration.ofNanos(System.nanoTime() - stuckSince);
            if (stuck.compareTo(settings.giveUpAfter()) > 0) {
                throw new KinesisException("putting records to Kinesis stream " + stream + " made no progress for " + stuck
                        + " (throttled or failing; " + batches.pendingCount() + " records not written)");
            }
            Duration backoff = settings.backoffAfter(failedCallsInRow);
            LOG.debugf("Kinesis stream %s failed %d of %d records of a put; trying them again in %s",
                    stream, outcome.retried(), call.size(), backoff);
            TimeUnit.MILLISECONDS.sleep(backoff.toMillis());
        }
        return batches.rejected();
    }

    private KeyOrderedBatches.Outcome send(KeyOrderedBatches batches, List<SinkRecord> call) throws InterruptedException {
        List<PutRecordsRequestEntry> entries = call.stream()
                .map(record -> PutRecordsRequestEntry.builder()
                        .partitionKey(record.partitionKey())
                        .explicitHashKey(record.explicitHashKey())
                        .data(SdkBytes.fromByteArrayUnsafe(record.data()))
                        .build())
                .toList();
        try {
            return batches.apply(call, client.putRecords(request -> request.streamName(stream).records(entries)).get().records());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (!retryable(cause)) {
                throw new KinesisException("putting records to Kinesis stream " + stream + " failed: " + cause.getMessage(), cause);
            }
            LOG.debugf("A put to Kinesis stream %s failed as a whole: %s", stream, cause.getMessage());
            return batches.failed(call);
        }
    }

    /** Throttling, a server failure or a lost connection: a later call may succeed. */
    private static boolean retryable(Throwable failure) {
        if (failure instanceof ProvisionedThroughputExceededException || failure instanceof LimitExceededException
                || failure instanceof KmsThrottlingException || failure instanceof InternalFailureException) {
            return true;
        }
        if (failure instanceof AwsServiceException service) {
            return service.isThrottlingException() || service.statusCode() >= 500;
        }
        return failure instanceof SdkClientException;
    }
}

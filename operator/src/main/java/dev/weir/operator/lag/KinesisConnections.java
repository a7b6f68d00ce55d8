package dev.weir.operator.lag;

import dev.weir.api.SourceSpec;
import dev.weir.api.StreamJob;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * The operator's Kinesis and DynamoDB clients for a job's source, with the identity the job names: the lag probe reads
 * through them, and the finalizer deletes what the job's pods made. Jobs with the same identity, region and endpoint
 * share clients.
 */
public final class KinesisConnections implements AutoCloseable {
    private final Function<StreamJob, Credentials> credentials;
    private final Optional<URI> dynamoDbEndpoint;
    private final Map<String, Clients> clients = new ConcurrentHashMap<>();

    /**
     * @param credentials      per job, what the operator calls AWS with: the key pair of the job's
     *                         {@code spec.source.kinesis.credentialsSecret}, or the operator's own identity
     * @param dynamoDbEndpoint where the lease tables are: a DynamoDB-compatible server, or empty for AWS's DynamoDB
     *                         of the stream's region
     */
    public KinesisConnections(Function<StreamJob, Credentials> credentials, Optional<URI> dynamoDbEndpoint) {
        this.credentials = credentials;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
    }

    /**
     * AWS credentials and whose they are ({@code "the operator's"}, or the Secret's namespace and name), for messages
     * that say which identity lacked a permission.
     */
    public record Credentials(String identity, AwsCredentialsProvider provider) {}

    /** Clients of a job's Kinesis source, and whose identity they call with. */
    public record Clients(KinesisAsyncClient kinesis, DynamoDbAsyncClient dynamoDb, String identity) {}

    /** The clients for a job with a Kinesis source. */
    public Clients of(StreamJob job) {
        SourceSpec.KinesisSource source = job.getSpec().source.kinesis;
        Credentials identity = credentials.apply(job);
        return clients.computeIfAbsent(source.region + " " + source.endpoint + " " + identity.identity(),
                key -> connect(source, identity));
    }

    private Clients connect(SourceSpec.KinesisSource source, Credentials identity) {
        Region region = Region.of(source.region);
        var kinesis = KinesisAsyncClient.builder().region(region).credentialsProvider(identity.provider())
                // HTTP/1.1: the SDK asks for HTTP/2, which only enhanced fan-out needs and compatible servers lack
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1));
        Optional.ofNullable(source.endpoint).filter(endpoint -> !endpoint.isBlank()).map(URI::create)
                .ifPresent(kinesis::endpointOverride);
        var dynamoDb = DynamoDbAsyncClient.builder().region(region).credentialsProvider(identity.provider());
        dynamoDbEndpoint.ifPresent(dynamoDb::endpointOverride);
        return new Clients(kinesis.build(), dynamoDb.build(), identity.identity());
    }

    @Override
    public void close() {
        clients.values().forEach(client -> {
            client.kinesis().close();
            client.dynamoDb().close();
        });
        clients.clear();
    }
}

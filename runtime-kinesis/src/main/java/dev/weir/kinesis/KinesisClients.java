package dev.weir.kinesis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.kinesis.model.Shard;

import java.net.URI;
import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClientBuilder;

/**
 * The three AWS clients the Kinesis Client Library needs (Kinesis, DynamoDB for its lease tables, CloudWatch), made
 * one way, closed together.
 *
 * <p>HTTP/1.1 for Kinesis: the SDK asks for HTTP/2 by default, which only enhanced fan-out needs (Weir polls) and
 * which Kinesis-compatible servers on plain {@code http://} do not speak.
 */
public final class KinesisClients implements AutoCloseable {

    private final KinesisAsyncClient kinesis;
    private final DynamoDbAsyncClient dynamoDb;
    private final CloudWatchAsyncClient cloudWatch;

    /**
     * Where the services are: empty endpoints for AWS itself, or the URLs of compatible servers.
     *
     * @param region     the region of the stream and of the lease tables
     * @param kinesis    a Kinesis-compatible server, or empty for AWS
     * @param dynamoDb   a DynamoDB-compatible server for the lease tables, or empty for AWS
     * @param cloudWatch a CloudWatch-compatible server, or empty for AWS (the library only publishes metrics when its
     *                   metrics level asks for them)
     */
    public record Endpoints(Region region, Optional<URI> kinesis, Optional<URI> dynamoDb, Optional<URI> cloudWatch) {
    }

    /** Clients made elsewhere (with interceptors or metrics of their own); closed with this. */
    public KinesisClients(KinesisAsyncClient kinesis, DynamoDbAsyncClient dynamoDb, CloudWatchAsyncClient cloudWatch) {
        this.kinesis = kinesis;
        this.dynamoDb = dynamoDb;
        this.cloudWatch = cloudWatch;
    }

    public static KinesisClients create(Endpoints endpoints, AwsCredentialsProvider credentials) {
        var dynamoDb = DynamoDbAsyncClient.builder().region(endpoints.region()).credentialsProvider(credentials);
        endpoints.dynamoDb().ifPresent(dynamoDb::endpointOverride);
        var cloudWatch = CloudWatchAsyncClient.builder().region(endpoints.region()).credentialsProvider(credentials);
        endpoints.cloudWatch().ifPresent(cloudWatch::endpointOverride);
        return new KinesisClients(kinesisBuilder(endpoints, credentials).build(), dynamoDb.build(), cloudWatch.build());
    }

    /** A Kinesis client as {@link #create} makes it, for callers that add to it. */
    public static KinesisAsyncClientBuilder kinesisBuilder(Endpoints endpoints, AwsCredentialsProvider credentials) {
        var kinesis = KinesisAsyncClient.builder()
                .region(endpoints.region())
                .credentialsProvider(credentials)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1));
        endpoints.kinesis().ifPresent(kinesis::endpointOverride);
        return kinesis;
    }

    public KinesisAsyncClient kinesis() {
        return kinesis;
    }

    public DynamoDbAsyncClient dynamoDb() {
        return dynamoDb;
    }

    public CloudWatchAsyncClient cloudWatch() {
        return cloudWatch;
    }

    /** Every shard of the stream that ListShards returns (open and closed, within retention), page after page. */
    public List<Shard> shards(String stream) {
        List<Shard> shards = new ArrayList<>();
        String next = null;
        do {
            String token = next;
            var response = kinesis.listShards(request -> {
                if (token == null) {
                    request.streamName(stream);
                } else {
                    request.nextToken(token);
                }
            }).orTimeout(30, TimeUnit.SECONDS).join();
            shards.addAll(response.shards());
            next = response.nextToken();
        } while (next != null);
        return shards;
    }

    /** The shards of a split or merge of {@code shardId}: those whose parent or adjacent parent it is. */
    public List<Shard> children(String stream, String shardId) {
        return shards(stream).stream()
                .filter(s -> shardId.equals(s.parentShardId()) || shardId.equals(s.adjacentParentShardId()))
                .toList();
    }

    @Override
    public void close() {
        kinesis.close();
        dynamoDb.close();
        cloudWatch.close();
    }
}

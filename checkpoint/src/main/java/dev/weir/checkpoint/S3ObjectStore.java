package dev.weir.checkpoint;

import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Objects in an S3 bucket under a prefix; S3 makes a put visible only once it is complete. */
final class S3ObjectStore implements ObjectStore {

    private static final int HTTP_FORBIDDEN = 403;
    private static final int HTTP_NOT_FOUND = 404;
    private static final int HTTP_TOO_MANY_REQUESTS = 429;
    private static final int HTTP_SERVER_ERROR = 500;
    private static final String NO_SUCH_BUCKET = "NoSuchBucket";
    /** Held so the level sticks: at DEBUG, HttpClient formats every byte of every file it sends or receives. */
    private static final Logger WIRE_LOG = quiet("org.apache.hc.client5.http.wire");

    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final String server;

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.INFO);
        return logger;
    }

    private S3ObjectStore(S3Client client, String bucket, String prefix, String server) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix;
        this.server = server;
    }

    static S3ObjectStore open(URI location, S3Options options) {
        String bucket = location.getAuthority();
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("checkpoint location " + location + " names no bucket: write s3://bucket/prefix");
        }
        String path = location.getPath() == null ? "" : location.getPath().replaceAll("^/+|/+$", "");
        String prefix = path.isEmpty() ? "" : path + "/";
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(options.connectTimeout())
                        .socketTimeout(options.socketTimeout()))
                .forcePathStyle(options.pathStyle())
                // S3-compatible servers often reject the newer default checksum headers; files are verified by CRC32C
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // the store's RetryPolicy is the one retry loop, so its bounds hold
                .overrideConfiguration(configuration -> configuration.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .credentialsProvider(options.credentials()
                        .or(() -> StaticCredentials.fromEnvironment(System.getenv()))
                        .<AwsCredentialsProvider>map(credentials -> StaticCredentialsProvider.create(awsCredentials(credentials)))
                        .orElseGet(() -> DefaultCredentialsProvider.builder().build()));
        options.endpoint().ifPresent(builder::endpointOverride);
        options.region().or(() -> options.endpoint().map(endpoint -> S3Options.DEFAULT_REGION_WITH_ENDPOINT))
                .ifPresent(region -> builder.region(Region.of(region)));
        String server = options.endpoint().map(URI::toString).orElse("AWS S3");
        try {
            return new S3ObjectStore(builder.build(), bucket, prefix, server);
        } catch (SdkClientException e) {
            throw new IllegalArgumentException("checkpoint location " + location + ": the S3 client cannot be set up ("
                    + e.getMessage() + "); set the region (AWS_REGION) or an endpoint for S3-compatible servers", e);
        }
    }

    private static AwsCredentials awsCredentials(StaticCredentials credentials) {
        return credentials.sessionToken()
                .<AwsCredentials>map(token -> AwsSessionCredentials.create(credentials.accessKeyId(),
                        credentials.secretAccessKey(), token))
                .orElseGet(() -> AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey()));
    }

    @Override
    public URI location(String key) {
        try {
            return new URI(TaskCheckpoints.S3_SCHEME, bucket, "/" + prefix + key, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("checkpoint object key " + key + " cannot be part of a URI", e);
        }
    }

    @Override
    public void upload(Path file, String key) {
        call("uploading to", key, () -> client.putObject(request -> request.bucket(bucket).key(prefix + key),
                RequestBody.fromFile(file)));
    }

    @Override
    public void put(String key, byte[] content) {
        call("writing", key, () -> client.putObject(request -> request.bucket(bucket).key(prefix + key),
                RequestBody.fromBytes(content)));
    }

    @Override
    public InputStream read(String key) {
        return call("reading", key, () -> client.getObject(request -> request.bucket(bucket).key(prefix + key)));
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        return call("listing", keyPrefix, () -> client.listObjectsV2Paginator(request -> request.bucket(bucket)
                        .prefix(prefix + keyPrefix))
                .contents().stream()
                .map(object -> new StoredObject(object.key().substring(prefix.length()), object.size(), object.lastModified()))
                .toList());
    }

    @Override
    public void delete(String key) {
        call("deleting", key, () -> client.deleteObject(request -> request.bucket(bucket).key(prefix + key)));
    }

    @Override
    public void close() {
        client.close();
    }

    private <T> T call(String action, String key, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (SdkException e) {
            throw translate(action, key, e);
        }
    }

    private StoreException translate(String action, String key, SdkException e) {
        String what = action + " " + location(key);
        if (e instanceof NoSuchBucketException
                || e instanceof S3Exception s3 && s3.awsErrorDetails() != null && NO_SUCH_BUCKET.equals(s3.awsErrorDetails().errorCode())) {
            return new StoreException(StoreException.Kind.NO_SUCH_BUCKET, what + ": bucket " + bucket + " does not exist on "
                    + server + "; create it or correct spec.checkpoints.location", e);
        }
        if (e instanceof NoSuchKeyException || e instanceof S3Exception s3 && s3.statusCode() == HTTP_NOT_FOUND) {
            return new StoreException(StoreException.Kind.NOT_FOUND, what + ": no such object", e);
        }
        if (e instanceof S3Exception s3 && s3.statusCode() == HTTP_FORBIDDEN) {
            return new StoreException(StoreException.Kind.ACCESS_DENIED, what + ": access denied by " + server + " ("
                    + errorCode(s3) + "); check the credentials (" + StaticCredentials.ACCESS_KEY_ID_ENV + "/"
                    + StaticCredentials.SECRET_ACCESS_KEY_ENV + " from the job's Secret, or the pod's identity) and the bucket policy", e);
        }
        if (e instanceof S3Exception s3 && (s3.statusCode() >= HTTP_SERVER_ERROR || s3.statusCode() == HTTP_TOO_MANY_REQUESTS)) {
            return new StoreException(StoreException.Kind.UNAVAILABLE, what + ": " + server + " answered HTTP "
                    + s3.statusCode() + " (" + errorCode(s3) + ")", e);
        }
        if (e instanceof S3Exception s3) {
            return new StoreException(StoreException.Kind.FAILED, what + ": " + server + " refused it with HTTP "
                    + s3.statusCode() + " (" + errorCode(s3) + ")", e);
        }
        return new StoreException(StoreException.Kind.UNAVAILABLE, what + ": S3 at " + server + " is unreachable ("
                + e.getMessage() + ")", e);
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? "no error code" : e.awsErrorDetails().errorCode();
    }
}

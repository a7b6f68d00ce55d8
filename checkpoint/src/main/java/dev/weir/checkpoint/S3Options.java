package dev.weir.checkpoint;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach S3 for {@code s3://} locations.
 *
 * @param endpoint    an S3-compatible server (MinIO, S3Proxy, Ceph…); empty for AWS S3
 * @param pathStyle   address buckets as {@code endpoint/bucket/key} instead of {@code bucket.endpoint/key},
 *                    which most S3-compatible servers need
 * @param region      empty for the AWS default region chain, or {@value #DEFAULT_REGION_WITH_ENDPOINT} when an
 *                    endpoint is set (S3-compatible servers ignore it, the request signature needs one)
 * @param credentials empty for the keys in the {@link StaticCredentials} environment variables, or when those are
 *                    not set either, the AWS default credentials chain (pod identity, AWS_* variables, profiles)
 */
public record S3Options(Optional<URI> endpoint, boolean pathStyle, Optional<String> region,
                        Optional<StaticCredentials> credentials, Duration connectTimeout, Duration socketTimeout) {

    public static final String DEFAULT_REGION_WITH_ENDPOINT = "us-east-1";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);

    public static S3Options defaults() {
        return new S3Options(Optional.empty(), false, Optional.empty(), Optional.empty(),
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
    }

    /** An S3-compatible server at {@code endpoint}, addressed path-style. */
    public S3Options withEndpoint(URI endpoint) {
        return new S3Options(Optional.of(endpoint), true, region, credentials, connectTimeout, socketTimeout);
    }

    public S3Options withPathStyle(boolean pathStyle) {
        return new S3Options(endpoint, pathStyle, region, credentials, connectTimeout, socketTimeout);
    }

    public S3Options withRegion(String region) {
        return new S3Options(endpoint, pathStyle, Optional.of(region), credentials, connectTimeout, socketTimeout);
    }

    public S3Options withCredentials(Optional<StaticCredentials> credentials) {
        return new S3Options(endpoint, pathStyle, region, credentials, connectTimeout, socketTimeout);
    }

    public S3Options withTimeouts(Duration connectTimeout, Duration socketTimeout) {
        return new S3Options(endpoint, pathStyle, region, credentials, connectTimeout, socketTimeout);
    }
}

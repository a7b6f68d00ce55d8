package dev.weir.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** How an {@code s3://} location maps to bucket and keys; opening a store contacts no server. */
class S3ObjectStoreTest {

    private static final S3Options LOCAL = S3Options.defaults().withEndpoint(URI.create("http://127.0.0.1:1"))
            .withCredentials(Optional.of(new StaticCredentials("id", "key", Optional.empty())));

    @Test
    void keysGoUnderThePrefix() {
        try (S3ObjectStore store = S3ObjectStore.open(URI.create("s3://bucket/weir/checkpoints/"), LOCAL)) {
            assertEquals(URI.create("s3://bucket/weir/checkpoints/job/tasks/0_1/"), store.location("job/tasks/0_1/"));
        }
    }

    @Test
    void aBucketWithoutPrefixHoldsKeysAtItsRoot() {
        try (S3ObjectStore store = S3ObjectStore.open(URI.create("s3://bucket"), LOCAL)) {
            assertEquals(URI.create("s3://bucket/job/"), store.location("job/"));
        }
    }

    @Test
    void keysAreEncodedInLocations() {
        try (S3ObjectStore store = S3ObjectStore.open(URI.create("s3://bucket/p"), LOCAL)) {
            assertEquals("s3://bucket/p/a%20b@1-00000000", store.location("a b@1-00000000").toString());
        }
    }

    @Test
    void aLocationWithoutBucketIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> S3ObjectStore.open(URI.create("s3:///prefix"), LOCAL));
        assertTrue(e.getMessage().contains("names no bucket"), e.getMessage());
    }
}

package dev.weir.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import dev.weir.checkpoint.testing.S3Server;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The checkpoint store on {@code s3://} locations against S3Proxy, and how it fails when S3 does. */
class S3TaskCheckpointsIT extends TaskCheckpointsContract {

    @RegisterExtension
    static final S3Server s3 = new S3Server();

    private static final String BUCKET = "checkpoints";
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static final RetryPolicy QUICK_RETRIES = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(400));

    private String prefix;

    @BeforeAll
    static void createBucket() {
        s3.createBucket(BUCKET);
    }

    @BeforeEach
    void newPrefix() {
        prefix = "test-" + TESTS.incrementAndGet();
    }

    @Override
    URI location() {
        return URI.create("s3://" + BUCKET + "/" + prefix);
    }

    @Override
    CheckpointSettings settings() {
        return CheckpointSettings.defaults().withS3(s3.s3Options()).withRetry(QUICK_RETRIES);
    }

    @Test
    void theLayoutIsInTheBucket() throws Exception {
        try (TaskCheckpoints checkpoints = open("layout")) {
            CheckpointInfo info = checkpoints.write(TASK, folder("local", Map.of("000001.sst", "one")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);

            String task = prefix + "/layout/tasks/" + TASK + "/";
            assertEquals(URI.create("s3://" + BUCKET + "/" + prefix + "/layout/"), checkpoints.jobLocation());
            assertEquals(URI.create("s3://" + BUCKET + "/" + task + "checkpoints/" + info.id() + "/"), info.location());
            assertEquals(Set.of(task + "checkpoints/" + info.id() + "/manifest.json",
                            task + "files/000001.sst@3-" + crc32c("one")),
                    Set.copyOf(s3.keys(BUCKET, prefix + "/")));
        }
    }

    @Test
    void s3DownFailsAfterBoundedRetriesAndCheckpointsSucceedOnceItIsBack() throws Exception {
        try (TaskCheckpoints checkpoints = open("outage")) {
            s3.stop();
            CheckpointException down;
            try {
                down = assertThrows(CheckpointException.class, () -> checkpoints.write(TASK,
                        folder("during", Map.of("a.sst", "a")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false));
            } finally {
                s3.start();
            }
            assertTrue(down.getMessage().contains("unreachable") && down.getMessage().contains(s3.endpoint().toString())
                    && down.getMessage().contains("tried " + QUICK_RETRIES.maxAttempts() + " times"), down.getMessage());

            CheckpointInfo after = checkpoints.write(TASK, folder("after", Map.of("a.sst", "a")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false);

            assertEquals(Optional.of(after), checkpoints.restoreLatest(TASK, temp.resolve("restored")));
            assertEquals(Map.of("a.sst", "a"), CheckpointFiles.read(temp.resolve("restored")));
        }
    }

    @Test
    void aCheckpointStartedWhileS3IsDownSucceedsWhenItReturnsWithinTheRetries() throws Exception {
        RetryPolicy patient = new RetryPolicy(10, Duration.ofMillis(200), Duration.ofSeconds(2));
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(location(), "comeback", settings().withRetry(patient))) {
            Path local = folder("local", CheckpointFiles.numbered(5, 1000));
            s3.stop();
            CompletableFuture<CheckpointInfo> written;
            try {
                written = CompletableFuture.supplyAsync(() -> {
                    try {
                        return checkpoints.write(TASK, local, CHANGELOG_OFFSETS, INPUT_OFFSETS, false);
                    } catch (CheckpointException e) {
                        throw new CompletionException(e);
                    }
                });
                Awaitility.await("the checkpoint retrying while S3 is down").during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(2)).until(() -> !written.isDone());
            } finally {
                s3.start();
            }

            CheckpointInfo info = written.get(30, TimeUnit.SECONDS);

            assertEquals(5000, info.uploadedBytes());
            assertEquals(Optional.of(info), checkpoints.restoreLatest(TASK, temp.resolve("restored")));
            assertEquals(CheckpointFiles.numbered(5, 1000), CheckpointFiles.read(temp.resolve("restored")));
        }
    }

    @Test
    void aMissingBucketIsNamedAndNotRetried() {
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(URI.create("s3://no-such-bucket/prefix"), "job", settings())) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoints.write(TASK,
                    folder("local", Map.of("a.sst", "a")), CHANGELOG_OFFSETS, INPUT_OFFSETS, false));

            assertTrue(e.getMessage().contains("bucket no-such-bucket does not exist"), e.getMessage());
            assertFalse(e.getMessage().contains("tried"), e.getMessage());
        }
    }

    @Test
    void wrongCredentialsAreAccessDeniedWithoutShowingTheSecret() {
        String wrongSecret = "not-the-secret-key";
        CheckpointSettings wrong = settings().withS3(s3.s3Options().withCredentials(
                Optional.of(new StaticCredentials(S3Server.ACCESS_KEY, wrongSecret, Optional.empty()))));
        try (TaskCheckpoints checkpoints = TaskCheckpoints.open(location(), "job", wrong)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoints.list());

            assertTrue(e.getMessage().contains("access denied") && e.getMessage().contains(StaticCredentials.SECRET_ACCESS_KEY_ENV),
                    e.getMessage());
            assertFalse(e.getMessage().contains(wrongSecret), e.getMessage());
        }
    }

    private static String crc32c(String content) {
        CRC32C crc = new CRC32C();
        crc.update(content.getBytes(StandardCharsets.UTF_8));
        return FileChecksums.hex(crc);
    }
}

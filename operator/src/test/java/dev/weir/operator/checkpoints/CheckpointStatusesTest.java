package dev.weir.operator.checkpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.CheckpointsStatus;
import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.CheckpointInfo;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CheckpointStatusesTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final String LOCATION = "s3://bucket/jobs/weir-ns-job/";

    @Test
    void aFreshListingShowsTheNewestCheckpointAndTheSavepointsNewestFirst() {
        StreamJob job = job(Map.of());
        StreamJobStatus next = apply(job, Optional.of(StoreListing.listed(LOCATION, NOW, List.of(
                info("c2", "0_1", NOW.minusSeconds(5), false), info("s1", "0_0", NOW.minusSeconds(10), true),
                info("c1", "0_0", NOW.minusSeconds(20), false)))), NOW);
        assertEquals("c2", next.checkpoints.latest.id);
        assertEquals(List.of("s1"), next.checkpoints.savepoints.stream().map(s -> s.id).toList());
        assertEquals(LOCATION, next.checkpoints.location);
    }

    @Test
    void withoutAListingTheLastOneIsCarriedOver() {
        StreamJob job = job(Map.of());
        StreamJobStatus first = apply(job, Optional.of(StoreListing.listed(LOCATION, NOW,
                List.of(info("c1", "0_0", NOW, false)))), NOW);
        job.setStatus(first);
        StreamJobStatus next = apply(job, Optional.empty(), NOW.plusSeconds(1));
        assertEquals("c1", next.checkpoints.latest.id);
    }

    @Test
    void aRequestIsPendingUntilEveryTaskTheStoreKnowsHasASavepointWrittenAfterIt() {
        StreamJob job = job(Map.of(SavepointRequests.ANNOTATION, "n1"));
        List<CheckpointInfo> before = List.of(info("c1", "0_1", NOW.minusSeconds(2), false),
                info("old", "0_0", NOW.minusSeconds(1), true));
        StreamJobStatus pending = apply(job, Optional.of(StoreListing.listed(LOCATION, NOW, before)), NOW);
        CheckpointsStatus.SavepointRequest requested = pending.checkpoints.savepointRequest;
        assertEquals(List.of(CheckpointStatuses.PENDING, "n1"), List.of(requested.state, requested.nonce));
        assertEquals(Optional.of("n1"), CheckpointStatuses.pendingNonce(requested));
        job.setStatus(pending);
        assertTrue(CheckpointStatuses.awaitingSavepoint(job));

        Instant later = NOW.plusSeconds(2);
        List<CheckpointInfo> oneOfTwo = new ArrayList<>(List.of(info("s0", "0_0", NOW.plusSeconds(1), true)));
        oneOfTwo.addAll(before);
        StreamJobStatus partial = apply(job, Optional.of(StoreListing.listed(LOCATION, later, oneOfTwo)), later);
        CheckpointsStatus.SavepointRequest progress = partial.checkpoints.savepointRequest;
        assertEquals(List.of(CheckpointStatuses.PENDING, "1/2"), List.of(progress.state, progress.tasks));
        assertTrue(progress.message.contains("0_1") && progress.message.contains("c1"), progress.message);
        job.setStatus(partial);

        StreamJobStatus carried = apply(job, Optional.empty(), later.plusSeconds(1));
        assertEquals("1/2", carried.checkpoints.savepointRequest.tasks, "without a listing the progress stays");

        List<CheckpointInfo> twoOfTwo = new ArrayList<>(List.of(info("s1", "0_1", NOW.plusSeconds(3), true)));
        twoOfTwo.addAll(oneOfTwo);
        StreamJobStatus done = apply(job, Optional.of(StoreListing.listed(LOCATION, NOW.plusSeconds(4), twoOfTwo)),
                NOW.plusSeconds(4));
        CheckpointsStatus.SavepointRequest answered = done.checkpoints.savepointRequest;
        assertEquals(List.of(CheckpointStatuses.DONE, "2/2", List.of("s0", "s1")),
                List.of(answered.state, answered.tasks, answered.savepointIds));
        assertEquals(Optional.empty(), CheckpointStatuses.pendingNonce(answered), "the nonce leaves the ConfigMap");
        job.setStatus(done);
        assertFalse(CheckpointStatuses.awaitingSavepoint(job));
    }

    @Test
    void aRequestNotDoneWithinTheSavepointTimeoutFailsSayingWhatToDo() {
        StreamJob job = job(Map.of(SavepointRequests.ANNOTATION, "n1"));
        job.getSpec().checkpoints.savepointTimeout = "1m";
        List<CheckpointInfo> listed = List.of(info("c1", "0_1", NOW.minusSeconds(2), false));
        job.setStatus(apply(job, Optional.of(StoreListing.listed(LOCATION, NOW, listed)), NOW));

        Instant justBefore = NOW.plusSeconds(59);
        StreamJobStatus pending = apply(job, Optional.of(StoreListing.listed(LOCATION, justBefore, listed)),
                justBefore);
        assertEquals(CheckpointStatuses.PENDING, pending.checkpoints.savepointRequest.state);
        job.setStatus(pending);

        StreamJobStatus failed = apply(job, Optional.empty(), NOW.plusSeconds(60));
        CheckpointsStatus.SavepointRequest request = failed.checkpoints.savepointRequest;
        assertEquals(List.of(CheckpointStatuses.FAILED, "0/1"), List.of(request.state, request.tasks));
        for (String says : List.of("spec.checkpoints.savepointTimeout", "0_1", SavepointRequests.ANNOTATION,
                "/q/health/group/checkpoints")) {
            assertTrue(request.message.contains(says), request.message);
        }
        assertEquals(Optional.empty(), CheckpointStatuses.pendingNonce(request), "the nonce leaves the ConfigMap");
        job.setStatus(failed);
        assertFalse(CheckpointStatuses.awaitingSavepoint(job), "failed stays failed until a new nonce");
        job.getMetadata().getAnnotations().put(SavepointRequests.ANNOTATION, "n2");
        assertTrue(CheckpointStatuses.awaitingSavepoint(job));
    }

    @Test
    void tasksTheStoreKnowsAreThoseWrittenWithinTwelveHoursBeforeOrAfter() {
        Instant since = NOW;
        TaskSavepoints written = TaskSavepoints.of(List.of(
                info("s0", "0_0", since.plusSeconds(1), true),
                info("new", "0_3", since.plusSeconds(1), false),
                info("before", "0_0", since.minusSeconds(1), true),
                info("c1", "0_1", since.minus(Duration.ofHours(11)), false),
                info("gone", "1_0", since.minus(Duration.ofHours(13)), true)), since);
        assertEquals(List.of("0_0"), List.copyOf(written.saved().keySet()));
        assertEquals(List.of("0_1", "0_3"), List.copyOf(written.missing().keySet()),
                "1_0, last written 13 h before, belongs to an older topology");
        assertEquals("1/3", written.progress());
        assertFalse(written.complete());
        assertTrue(written.describeMissing().contains("0_1 (newest: checkpoint c1 of "), written.describeMissing());
        assertFalse(TaskSavepoints.of(List.of(), since).complete(), "no task known: nothing says it is done");
    }

    @Test
    void anUnreadableStoreIsFailing() {
        StreamJob job = job(Map.of());
        StreamJobStatus next = apply(job, Optional.of(StoreListing.failed(LOCATION, NOW, "S3 unreachable")), NOW);
        String why = CheckpointStatuses.failing(job, next, Optional.empty(), NOW).orElseThrow();
        assertTrue(why.contains(LOCATION) && why.contains("S3 unreachable"), why);
    }

    @Test
    void checkpointsOlderThanThreeIntervalsAreFailingOnlyWhileReadyPodsProcessRecords() {
        StreamJob job = job(Map.of());
        StreamJobStatus next = apply(job, Optional.of(StoreListing.listed(LOCATION, NOW,
                List.of(info("c1", "0_0", NOW.minusSeconds(31), false)))), NOW);
        Optional<Instant> readyLong = Optional.of(NOW.minusSeconds(600));
        // interval 10s: stale after 30s
        assertTrue(CheckpointStatuses.failing(job, next, readyLong, NOW).isPresent());
        assertTrue(CheckpointStatuses.failing(job, next, Optional.empty(), NOW).isEmpty(), "not ready");
        assertTrue(CheckpointStatuses.failing(job, next, Optional.of(NOW.minusSeconds(10)), NOW).isEmpty(),
                "ready for less than three intervals");
        next.processingRate = 0.0;
        assertTrue(CheckpointStatuses.failing(job, next, readyLong, NOW).isEmpty(), "nothing processed, nothing to"
                + " checkpoint");
        next.processingRate = 5.0;
        assertTrue(CheckpointStatuses.failing(job, next, readyLong, NOW.minusSeconds(2)).isEmpty(), "29s old");
    }

    /** The status a reconcile at {@code now} with {@code listing} reports. */
    private static StreamJobStatus apply(StreamJob job, Optional<StoreListing> listing, Instant now) {
        StreamJobStatus next = new StreamJobStatus();
        CheckpointStatuses.apply(next, job, listing, CheckpointStatuses.request(job, listing, now));
        return next;
    }

    private static StreamJob job(Map<String, String> annotations) {
        StreamJob job = new StreamJob();
        job.setMetadata(new ObjectMetaBuilder().withName("job").withNamespace("ns").withGeneration(1L)
                .withAnnotations(new HashMap<>(annotations)).build());
        job.setSpec(new StreamJobSpec());
        job.getSpec().checkpoints = new CheckpointSpec();
        job.getSpec().checkpoints.location = "s3://bucket/jobs";
        job.getSpec().checkpoints.interval = "10s";
        return job;
    }

    private static CheckpointInfo info(String id, String task, Instant at, boolean savepoint) {
        return new CheckpointInfo(id, task, at, savepoint, URI.create(LOCATION + "tasks/" + task + "/" + id + "/"),
                100, 100, Map.of(), Map.of());
    }
}

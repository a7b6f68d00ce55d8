package dev.weir.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.SavepointRequests;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.StreamJobStatus;
import dev.weir.checkpoint.CheckpointInfo;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.URI;
import java.time.Instant;
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
        StreamJobStatus next = new StreamJobStatus();
        CheckpointStatuses.apply(next, job, Optional.of(StoreListing.listed(LOCATION, NOW, List.of(
                info("c2", "0_1", NOW.minusSeconds(5), false), info("s1", "0_0", NOW.minusSeconds(10), true),
                info("c1", "0_0", NOW.minusSeconds(20), false)))), NOW);
        assertEquals("c2", next.checkpoints.latest.id);
        assertEquals(List.of("s1"), next.checkpoints.savepoints.stream().map(s -> s.id).toList());
        assertEquals(LOCATION, next.checkpoints.location);
    }

    @Test
    void withoutAListingTheLastOneIsCarriedOver() {
        StreamJob job = job(Map.of());
        StreamJobStatus first = new StreamJobStatus();
        CheckpointStatuses.apply(first, job, Optional.of(StoreListing.listed(LOCATION, NOW,
                List.of(info("c1", "0_0", NOW, false)))), NOW);
        job.setStatus(first);
        StreamJobStatus next = new StreamJobStatus();
        CheckpointStatuses.apply(next, job, Optional.empty(), NOW.plusSeconds(1));
        assertEquals("c1", next.checkpoints.latest.id);
    }

    @Test
    void aRequestIsPendingUntilASavepointWrittenAfterItIsListed() {
        StreamJob job = job(Map.of(SavepointRequests.ANNOTATION, "n1"));
        StreamJobStatus pending = new StreamJobStatus();
        CheckpointStatuses.apply(pending, job, Optional.of(StoreListing.listed(LOCATION, NOW,
                List.of(info("old", "0_0", NOW.minusSeconds(1), true)))), NOW);
        assertEquals(CheckpointStatuses.PENDING, pending.checkpoints.savepointRequest.state);
        job.setStatus(pending);
        assertTrue(CheckpointStatuses.awaitingSavepoint(job));

        StreamJobStatus done = new StreamJobStatus();
        CheckpointStatuses.apply(done, job, Optional.of(StoreListing.listed(LOCATION, NOW.plusSeconds(2), List.of(
                info("new", "0_0", NOW.plusSeconds(1), true), info("old", "0_0", NOW.minusSeconds(1), true)))),
                NOW.plusSeconds(2));
        assertEquals(List.of(CheckpointStatuses.DONE, "new"), List.of(done.checkpoints.savepointRequest.state,
                done.checkpoints.savepointRequest.savepointId));
        job.setStatus(done);
        assertTrue(!CheckpointStatuses.awaitingSavepoint(job));
    }

    @Test
    void anUnreadableStoreIsFailing() {
        StreamJob job = job(Map.of());
        StreamJobStatus next = new StreamJobStatus();
        CheckpointStatuses.apply(next, job, Optional.of(StoreListing.failed(LOCATION, NOW, "S3 unreachable")), NOW);
        String why = CheckpointStatuses.failing(job, next, Optional.empty(), NOW).orElseThrow();
        assertTrue(why.contains(LOCATION) && why.contains("S3 unreachable"), why);
    }

    @Test
    void checkpointsOlderThanThreeIntervalsAreFailingOnlyWhileReadyPodsProcessRecords() {
        StreamJob job = job(Map.of());
        StreamJobStatus next = new StreamJobStatus();
        CheckpointStatuses.apply(next, job, Optional.of(StoreListing.listed(LOCATION, NOW,
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

    private static StreamJob job(Map<String, String> annotations) {
        StreamJob job = new StreamJob();
        job.setMetadata(new ObjectMetaBuilder().withName("job").withNamespace("ns").withGeneration(1L)
                .withAnnotations(annotations).build());
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

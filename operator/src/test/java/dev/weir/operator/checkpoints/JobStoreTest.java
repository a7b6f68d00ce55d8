package dev.weir.operator.checkpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.CheckpointSpec;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobSpec;
import dev.weir.operator.config.RuntimeDefaults;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobStoreTest {
    private static final RuntimeDefaults DEFAULT_LOCATION = new RuntimeDefaults(Optional.empty(), Optional.empty(),
            Optional.of("s3://shared/checkpoints"), Optional.empty(), Optional.empty());

    @Test
    void theJobsLocationWinsOverTheOperatorsDefaultAndTheFolderIsTheConsumerGroup() {
        StreamJob job = job("file:///var/lib/weir/checkpoints");
        JobStore store = JobStore.of(job, DEFAULT_LOCATION, null).orElseThrow();
        assertEquals(URI.create("file:///var/lib/weir/checkpoints"), store.location());
        assertEquals("weir-team-a-readings", store.folder());
    }

    @Test
    void aJobWithoutALocationUsesTheOperatorsDefaultOrHasNoStore() {
        assertEquals(URI.create("s3://shared/checkpoints"),
                JobStore.of(job(null), DEFAULT_LOCATION, null).orElseThrow().location());
        assertTrue(JobStore.of(job(null), RuntimeDefaults.NONE, null).isEmpty());
        assertTrue(new CheckpointListings(RuntimeDefaults.NONE, java.time.Clock.systemUTC()).nextListing(job(null),
                false).isEmpty(), "no store, no listing to schedule");
    }

    private static StreamJob job(String location) {
        StreamJob job = new StreamJob();
        job.setMetadata(new ObjectMetaBuilder().withName("readings").withNamespace("team-a").build());
        job.setSpec(new StreamJobSpec());
        if (location != null) {
            job.getSpec().checkpoints = new CheckpointSpec();
            job.getSpec().checkpoints.location = location;
        }
        return job;
    }
}

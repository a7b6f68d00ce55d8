package dev.weir.runtime.kafka.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.CheckpointSpec;
import dev.weir.checkpoint.CheckpointSettings;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** spec.checkpoints as the checkpoint store's settings. */
class JobCheckpointsTest {

    @Test
    void defaultsAreTheStoresForAws() {
        CheckpointSettings settings = JobCheckpoints.settings(new CheckpointSpec());
        assertEquals(CheckpointSpec.DEFAULT_RETAIN, settings.retainedCheckpoints());
        assertEquals(JobCheckpoints.TRANSFER_THREADS, settings.transferThreads());
        assertEquals(Optional.empty(), settings.s3().endpoint());
        assertEquals(Optional.empty(), settings.s3().region());
    }

    @Test
    void anEndpointIsAddressedPathStyleUnlessTheSpecSaysOtherwise() {
        CheckpointSpec spec = new CheckpointSpec();
        spec.retain = 7;
        spec.s3 = new CheckpointSpec.S3();
        spec.s3.endpoint = "http://minio:9000";
        spec.s3.region = "eu-west-1";
        CheckpointSettings settings = JobCheckpoints.settings(spec);
        assertEquals(7, settings.retainedCheckpoints());
        assertEquals(Optional.of(URI.create("http://minio:9000")), settings.s3().endpoint());
        assertEquals(true, settings.s3().pathStyle());
        assertEquals(Optional.of("eu-west-1"), settings.s3().region());
        spec.s3.pathStyle = false;
        assertEquals(false, JobCheckpoints.settings(spec).s3().pathStyle());
    }
}

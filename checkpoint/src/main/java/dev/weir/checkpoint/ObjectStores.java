package dev.weir.checkpoint;

import java.net.URI;
import java.nio.file.Path;

/** Opens the store a checkpoint location names. */
final class ObjectStores {

    private ObjectStores() {
    }

    static ObjectStore open(URI location, CheckpointSettings settings) {
        String scheme = location.getScheme() == null ? "" : location.getScheme();
        return switch (scheme) {
            case TaskCheckpoints.FILE_SCHEME -> new FileObjectStore(Path.of(location));
            case TaskCheckpoints.S3_SCHEME -> S3ObjectStore.open(location, settings.s3());
            default -> throw new IllegalArgumentException("checkpoint location " + location
                    + " must be s3://bucket/prefix or file:///absolute/path (spec.checkpoints.location)");
        };
    }
}

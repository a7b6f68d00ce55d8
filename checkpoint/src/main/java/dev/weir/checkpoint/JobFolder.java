package dev.weir.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;

import dev.weir.checkpoint.CheckpointLayout.ManifestKey;

/** A job's folder in a store: the store, where things are in it, and the retried calls to it. */
record JobFolder(ObjectStore store, CheckpointLayout layout, StoreCalls calls) {

    URI location(String key) {
        return store.location(key);
    }

    /** The complete checkpoints and savepoints (those with a manifest) under the folder. */
    List<ManifestKey> manifests(String folder) throws CheckpointException {
        return calls.call("listing checkpoints at " + location(folder), () -> store.list(folder)).stream()
                .map(object -> layout.manifest(object.key()))
                .flatMap(Optional::stream)
                .toList();
    }

    Manifest read(ManifestKey key) throws CheckpointException {
        URI location = location(key.key());
        byte[] json = calls.call("reading checkpoint manifest " + location, () -> {
            try (InputStream in = store.read(key.key())) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new StoreException(StoreException.Kind.UNAVAILABLE, "reading " + location + " failed: " + e, e);
            }
        });
        return Manifest.fromJson(json, location);
    }

    /** The checkpoint's folder, which {@link CheckpointInfo#location()} names. */
    URI checkpointLocation(String taskId, boolean savepoint, String id) {
        return location(layout.checkpointFolder(taskId, savepoint, id));
    }
}

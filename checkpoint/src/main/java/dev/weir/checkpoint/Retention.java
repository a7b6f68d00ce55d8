package dev.weir.checkpoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.weir.checkpoint.CheckpointLayout.ManifestKey;

/**
 * Keeps a task's newest checkpoints and every savepoint, deletes the other manifests, then the stored files no
 * kept manifest references. Only files stored before the oldest kept checkpoint began (and before the checkpoint
 * just written began) are deleted, so the files of a checkpoint another writer is uploading right now stay.
 */
final class Retention {

    private final JobFolder folder;
    private final int retainedCheckpoints;

    Retention(JobFolder folder, int retainedCheckpoints) {
        this.folder = folder;
        this.retainedCheckpoints = retainedCheckpoints;
    }

    /** @param justWritten when the checkpoint that triggered this began */
    void apply(String taskId, Instant justWritten) throws CheckpointException {
        List<ManifestKey> checkpoints = new ArrayList<>();
        List<ManifestKey> kept = new ArrayList<>();
        for (ManifestKey key : folder.manifests(folder.layout().taskFolder(taskId))) {
            (key.savepoint() ? kept : checkpoints).add(key);
        }
        checkpoints.sort(Comparator.comparing(ManifestKey::id).reversed());
        int keptCheckpoints = Math.min(retainedCheckpoints, checkpoints.size());
        kept.addAll(checkpoints.subList(0, keptCheckpoints));

        Set<String> referenced = new HashSet<>();
        Instant cutoff = justWritten;
        for (ManifestKey key : kept) {
            Manifest manifest = folder.read(key);
            manifest.files().forEach(file -> referenced.add(folder.layout().taskFolder(taskId) + file.key()));
            if (!key.savepoint() && manifest.createdAt().isBefore(cutoff)) {
                cutoff = manifest.createdAt();
            }
        }
        for (ManifestKey expired : checkpoints.subList(keptCheckpoints, checkpoints.size())) {
            folder.calls().run("deleting expired checkpoint " + folder.location(expired.key()),
                    () -> folder.store().delete(expired.key()));
        }
        String files = folder.layout().filesFolder(taskId);
        for (StoredObject file : folder.calls().call("listing the stored files of task " + taskId + " at "
                + folder.location(files), () -> folder.store().list(files))) {
            if (!referenced.contains(file.key()) && file.lastModified().isBefore(cutoff)) {
                folder.calls().run("deleting unreferenced checkpoint file " + folder.location(file.key()),
                        () -> folder.store().delete(file.key()));
            }
        }
    }
}

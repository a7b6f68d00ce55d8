package dev.weir.checkpoint;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.weir.checkpoint.CheckpointLayout.ManifestKey;
import org.jboss.logging.Logger;

/** {@link TaskCheckpoints} over an {@link ObjectStore}, in the layout of {@link CheckpointLayout}. */
final class StoredTaskCheckpoints implements TaskCheckpoints {

    private static final Logger LOG = Logger.getLogger(StoredTaskCheckpoints.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final JobFolder folder;
    private final String jobFolder;
    private final String jobName;
    private final boolean savepointsOnly;
    private final ExecutorService transferThreads;
    private final CheckpointUpload upload;
    private final CheckpointDownload download;
    private final Retention retention;

    private StoredTaskCheckpoints(ObjectStore store, String jobFolder, String jobName, boolean savepointsOnly,
                                  CheckpointSettings settings) {
        this.folder = new JobFolder(store, new CheckpointLayout(jobFolder), new StoreCalls(settings.retry()));
        this.jobFolder = jobFolder;
        this.jobName = jobName;
        this.savepointsOnly = savepointsOnly;
        this.transferThreads = Executors.newFixedThreadPool(settings.transferThreads(),
                DaemonThreads.named("weir-checkpoint-transfer-" + jobName));
        Transfers transfers = new Transfers(transferThreads);
        this.upload = new CheckpointUpload(folder, transfers, jobName);
        this.download = new CheckpointDownload(folder, transfers);
        this.retention = new Retention(folder, settings.retainedCheckpoints());
    }

    static TaskCheckpoints open(URI location, String jobName, CheckpointSettings settings) {
        CheckpointLayout.checkName("job name", jobName);
        return new StoredTaskCheckpoints(ObjectStores.open(location, settings), jobName + "/", jobName, false, settings);
    }

    static TaskCheckpoints openSavepoints(URI jobLocation, CheckpointSettings settings) {
        String path = jobLocation.getPath() == null ? "" : jobLocation.getPath().replaceAll("/+$", "");
        String jobName = path.substring(path.lastIndexOf('/') + 1);
        if (jobName.isEmpty() || path.contains("/" + CheckpointLayout.TASKS)) {
            throw new IllegalArgumentException("savepoint location " + jobLocation + " must be a job's checkpoint folder, "
                    + "s3://bucket/prefix/<job> or file:///path/<job>, not the bucket or one task's checkpoint");
        }
        return new StoredTaskCheckpoints(ObjectStores.open(jobLocation, settings), "", jobName, true, settings);
    }

    @Override
    public URI jobLocation() {
        return folder.location(jobFolder);
    }

    @Override
    public CheckpointInfo write(String taskId, Path localDir, Map<String, Long> changelogOffsets,
                                Map<String, Long> inputOffsets, boolean savepoint) throws CheckpointException {
        if (savepointsOnly) {
            throw new CheckpointException("the savepoints at " + jobLocation() + " are open read-only (a restoreFrom "
                    + "location); checkpoints of this job go to its own spec.checkpoints.location");
        }
        CheckpointLayout.checkName("task id", taskId);
        Manifest manifest = upload.write(taskId, localDir, changelogOffsets, inputOffsets, savepoint);
        try {
            retention.apply(taskId, manifest.createdAt());
        } catch (CheckpointException e) {
            LOG.warnf("checkpoint retention for task %s of job %s did not finish, it runs again after the next checkpoint: %s",
                    taskId, jobName, e.getMessage());
        }
        return info(manifest);
    }

    @Override
    public Optional<CheckpointInfo> restoreLatest(String taskId, Path emptyDir) throws CheckpointException {
        CheckpointLayout.checkName("task id", taskId);
        Optional<ManifestKey> newest = visibleManifests(folder.layout().taskFolder(taskId)).stream()
                .max(Comparator.comparing(ManifestKey::id));
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        Manifest manifest = folder.read(newest.get());
        download.restore(manifest, emptyDir);
        return Optional.of(info(manifest));
    }

    @Override
    public List<CheckpointInfo> list() throws CheckpointException {
        List<CheckpointInfo> infos = new ArrayList<>();
        for (ManifestKey key : visibleManifests(folder.layout().tasksFolder())) {
            try {
                infos.add(info(folder.read(key)));
            } catch (CorruptCheckpointException e) {
                LOG.warnf("skipping a checkpoint in the listing: %s", e.getMessage());
            }
        }
        infos.sort(Comparator.comparing(CheckpointInfo::createdAt).thenComparing(CheckpointInfo::id).reversed());
        return infos;
    }

    /** Savepoints only when open read-only. */
    private List<ManifestKey> visibleManifests(String under) throws CheckpointException {
        return folder.manifests(under).stream().filter(key -> key.savepoint() || !savepointsOnly).toList();
    }

    private CheckpointInfo info(Manifest manifest) {
        return manifest.info(folder.checkpointLocation(manifest.taskId(), manifest.savepoint(), manifest.id()));
    }

    /** Interrupts running transfers and waits a little for them to stop, so none writes after the close. */
    @Override
    public void close() {
        transferThreads.shutdownNow();
        try {
            if (!transferThreads.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("checkpoint transfers still running %s after the store was closed", CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        folder.store().close();
    }
}

package dev.weir.runtime.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

import dev.weir.runtime.checkpoint.CheckpointLayout.ManifestKey;
import dev.weir.runtime.checkpoint.Manifest.ManifestFile;
import org.jboss.logging.Logger;

/** {@link TaskCheckpoints} over an {@link ObjectStore}: the layout of {@link CheckpointLayout}, incremental uploads. */
final class StoredTaskCheckpoints implements TaskCheckpoints {

    private static final Logger LOG = Logger.getLogger(StoredTaskCheckpoints.class);

    private final ObjectStore store;
    private final CheckpointLayout layout;
    private final String jobFolder;
    private final String jobName;
    private final boolean savepointsOnly;
    private final CheckpointSettings settings;
    private final StoreCalls calls;
    private final ExecutorService transfers;
    private final Transfers transfer;
    private final Map<String, FileChecksums> checksumsByTask = new ConcurrentHashMap<>();

    private StoredTaskCheckpoints(ObjectStore store, String jobFolder, String jobName, boolean savepointsOnly,
                                  CheckpointSettings settings) {
        this.store = store;
        this.layout = new CheckpointLayout(jobFolder);
        this.jobFolder = jobFolder;
        this.jobName = jobName;
        this.savepointsOnly = savepointsOnly;
        this.settings = settings;
        this.calls = new StoreCalls(settings.retry());
        this.transfers = Executors.newFixedThreadPool(settings.transferThreads(), runnable -> {
            Thread thread = new Thread(runnable, "weir-checkpoint-transfer-" + jobName);
            thread.setDaemon(true);
            return thread;
        });
        this.transfer = new Transfers(transfers);
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
        return store.location(jobFolder);
    }

    @Override
    public CheckpointInfo write(String taskId, Path localDir, Map<String, Long> changelogOffsets,
                                Map<String, Long> inputOffsets, boolean savepoint) throws CheckpointException {
        if (savepointsOnly) {
            throw new CheckpointException("the savepoints at " + jobLocation() + " are open read-only (a restoreFrom "
                    + "location); checkpoints of this job go to its own spec.checkpoints.location");
        }
        CheckpointLayout.checkName("task id", taskId);
        Instant createdAt = Instant.now();
        String id = CheckpointLayout.newId(createdAt);
        String taskFolder = layout.taskFolder(taskId);
        Map<Path, BasicFileAttributes> localFiles = localFiles(localDir);
        Map<Path, String> checksums = checksums(taskId, localDir, localFiles);

        Map<String, Long> stored = new ConcurrentHashMap<>();
        for (StoredObject object : calls.call("listing the stored files of task " + taskId + " at "
                + store.location(layout.filesFolder(taskId)), () -> store.list(layout.filesFolder(taskId)))) {
            stored.put(object.key(), object.size());
        }
        List<ManifestFile> files = new ArrayList<>();
        List<Transfers.Task> uploads = new ArrayList<>();
        long totalBytes = 0;
        long uploadedBytes = 0;
        for (Map.Entry<Path, BasicFileAttributes> local : localFiles.entrySet()) {
            String path = relative(localDir, local.getKey());
            long size = local.getValue().size();
            String key = CheckpointLayout.fileKey(path, size, checksums.get(local.getKey()));
            files.add(new ManifestFile(path, size, checksums.get(local.getKey()), key));
            totalBytes += size;
            if (!Long.valueOf(size).equals(stored.get(taskFolder + key))) {
                uploadedBytes += size;
                uploads.add(() -> calls.run("uploading " + local.getKey() + " to " + store.location(taskFolder + key),
                        () -> store.upload(local.getKey(), taskFolder + key)));
            }
        }
        transfer.all(uploads);
        files.sort(Comparator.comparing(ManifestFile::path));

        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, id, jobName, taskId, createdAt, savepoint, totalBytes,
                uploadedBytes, changelogOffsets, inputOffsets, files);
        String manifestKey = layout.manifestKey(taskId, savepoint, id);
        calls.run("writing checkpoint manifest " + store.location(manifestKey), () -> store.put(manifestKey, manifest.toJson()));
        applyRetention(taskId);
        return manifest.info(store.location(layout.checkpointFolder(taskId, savepoint, id)));
    }

    private Map<Path, BasicFileAttributes> localFiles(Path localDir) throws CheckpointException {
        if (!Files.isDirectory(localDir)) {
            throw new CheckpointException("checkpoint folder " + localDir + " does not exist or is not a folder");
        }
        try (Stream<Path> paths = Files.walk(localDir)) {
            Map<Path, BasicFileAttributes> files = new HashMap<>();
            for (Path path : (Iterable<Path>) paths::iterator) {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                if (attributes.isRegularFile()) {
                    files.put(path, attributes);
                }
            }
            return files;
        } catch (IOException | UncheckedIOException e) {
            throw new CheckpointException("reading checkpoint folder " + localDir + " failed: " + e.getMessage(), e);
        }
    }

    private Map<Path, String> checksums(String taskId, Path localDir, Map<Path, BasicFileAttributes> files)
            throws CheckpointException {
        try {
            return checksumsByTask.computeIfAbsent(taskId, id -> new FileChecksums()).of(files);
        } catch (IOException e) {
            throw new CheckpointException("reading checkpoint folder " + localDir + " failed: " + e.getMessage(), e);
        }
    }

    private static String relative(Path folder, Path file) {
        return folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    @Override
    public Optional<CheckpointInfo> restoreLatest(String taskId, Path emptyDir) throws CheckpointException {
        CheckpointLayout.checkName("task id", taskId);
        Optional<ManifestKey> newest = manifests(layout.taskFolder(taskId)).stream()
                .max(Comparator.comparing(ManifestKey::id));
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        Manifest manifest = read(newest.get());
        String taskFolder = layout.taskFolder(taskId);
        URI location = store.location(layout.checkpointFolder(taskId, manifest.savepoint(), manifest.id()));
        prepareEmpty(emptyDir);
        List<Transfers.Task> downloads = new ArrayList<>();
        for (ManifestFile file : manifest.files()) {
            downloads.add(() -> download(file, taskFolder + file.key(), emptyDir, location));
        }
        try {
            transfer.all(downloads);
        } catch (CheckpointException e) {
            clear(emptyDir);
            throw e;
        }
        return Optional.of(manifest.info(location));
    }

    private void download(ManifestFile file, String key, Path emptyDir, URI checkpoint) throws CheckpointException {
        Path target = emptyDir.resolve(file.path()).normalize();
        if (!target.startsWith(emptyDir)) {
            throw new CorruptCheckpointException("checkpoint " + checkpoint + " lists file " + file.path()
                    + ", which lies outside the folder it restores into");
        }
        Verified verified = calls.call("downloading " + store.location(key) + " (file " + file.path() + " of checkpoint "
                + checkpoint + ")", () -> copy(key, target));
        if (verified.size() != file.size() || !verified.crc32c().equals(file.crc32c())) {
            throw new CorruptCheckpointException("file " + file.path() + " of checkpoint " + checkpoint + " is corrupt: "
                    + store.location(key) + " has " + verified.size() + " bytes with CRC32C " + verified.crc32c()
                    + ", the manifest says " + file.size() + " bytes with CRC32C " + file.crc32c());
        }
    }

    private record Verified(long size, String crc32c) {
    }

    private Verified copy(String key, Path target) {
        try (InputStream in = store.read(key)) {
            Files.createDirectories(target.getParent());
            CheckedInputStream checked = new CheckedInputStream(in, new CRC32C());
            long size = Files.copy(checked, target, StandardCopyOption.REPLACE_EXISTING);
            return new Verified(size, FileChecksums.hex(checked.getChecksum()));
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "copying " + store.location(key) + " to " + target
                    + " failed: " + e, e);
        }
    }

    private static void prepareEmpty(Path emptyDir) throws CheckpointException {
        try {
            Files.createDirectories(emptyDir);
            try (Stream<Path> entries = Files.list(emptyDir)) {
                if (entries.findAny().isPresent()) {
                    throw new CheckpointException("restore target " + emptyDir + " is not empty: a checkpoint is only "
                            + "restored into a task with no local state");
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("preparing restore target " + emptyDir + " failed: " + e.getMessage(), e);
        }
    }

    private static void clear(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).filter(path -> !path.equals(folder)).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("could not clear %s after a failed restore: %s", folder, e.getMessage());
        }
    }

    @Override
    public List<CheckpointInfo> list() throws CheckpointException {
        List<CheckpointInfo> infos = new ArrayList<>();
        for (ManifestKey key : manifests(layout.tasksFolder())) {
            try {
                infos.add(read(key).info(store.location(layout.checkpointFolder(key.taskId(), key.savepoint(), key.id()))));
            } catch (CorruptCheckpointException e) {
                LOG.warnf("skipping a checkpoint in the listing: %s", e.getMessage());
            }
        }
        infos.sort(Comparator.comparing(CheckpointInfo::createdAt).thenComparing(CheckpointInfo::id).reversed());
        return infos;
    }

    /** The complete checkpoints (those with a manifest) under the folder; savepoints only when read-only. */
    private List<ManifestKey> manifests(String folder) throws CheckpointException {
        return calls.call("listing checkpoints at " + store.location(folder), () -> store.list(folder)).stream()
                .map(object -> layout.manifest(object.key()))
                .flatMap(Optional::stream)
                .filter(key -> key.savepoint() || !savepointsOnly)
                .toList();
    }

    private Manifest read(ManifestKey key) throws CheckpointException {
        URI location = store.location(key.key());
        byte[] json = calls.call("reading checkpoint manifest " + location, () -> {
            try (InputStream in = store.read(key.key())) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new StoreException(StoreException.Kind.UNAVAILABLE, "reading " + location + " failed: " + e, e);
            }
        });
        return Manifest.fromJson(json, location);
    }

    /**
     * Keeps the newest checkpoints of the task and every savepoint, then deletes the files none of them references.
     * Only files stored before the oldest kept checkpoint began are deleted, so a checkpoint another writer is
     * uploading right now keeps its files.
     */
    private void applyRetention(String taskId) {
        try {
            List<ManifestKey> checkpoints = new ArrayList<>();
            List<ManifestKey> kept = new ArrayList<>();
            for (ManifestKey key : manifests(layout.taskFolder(taskId))) {
                (key.savepoint() ? kept : checkpoints).add(key);
            }
            checkpoints.sort(Comparator.comparing(ManifestKey::id).reversed());
            List<ManifestKey> keptCheckpoints = checkpoints.subList(0, Math.min(settings.retainedCheckpoints(), checkpoints.size()));
            kept.addAll(keptCheckpoints);
            Set<String> referenced = new HashSet<>();
            Instant cutoff = Instant.MAX;
            for (ManifestKey key : kept) {
                Manifest manifest = read(key);
                manifest.files().forEach(file -> referenced.add(layout.taskFolder(taskId) + file.key()));
                if (!key.savepoint() && manifest.createdAt().isBefore(cutoff)) {
                    cutoff = manifest.createdAt();
                }
            }
            for (ManifestKey dropped : checkpoints.subList(keptCheckpoints.size(), checkpoints.size())) {
                calls.run("deleting expired checkpoint " + store.location(dropped.key()), () -> store.delete(dropped.key()));
            }
            Instant before = cutoff;
            for (StoredObject file : calls.call("listing the stored files of task " + taskId,
                    () -> store.list(layout.filesFolder(taskId)))) {
                if (!referenced.contains(file.key()) && file.lastModified().isBefore(before)) {
                    calls.run("deleting unreferenced checkpoint file " + store.location(file.key()), () -> store.delete(file.key()));
                }
            }
        } catch (CheckpointException e) {
            LOG.warnf("checkpoint retention for task %s of job %s did not finish, it runs again after the next checkpoint: %s",
                    taskId, jobName, e.getMessage());
        }
    }

    @Override
    public void close() {
        transfers.shutdownNow();
        store.close();
    }
}

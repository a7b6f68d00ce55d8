package dev.weir.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import dev.weir.checkpoint.Manifest.ManifestFile;

/** Writes a checkpoint: uploads the files the task's folder does not hold yet, then the manifest. */
final class CheckpointUpload {

    private final JobFolder folder;
    private final Transfers transfers;
    private final String jobName;
    private final Map<String, FileChecksums> checksumsByTask = new ConcurrentHashMap<>();

    CheckpointUpload(JobFolder folder, Transfers transfers, String jobName) {
        this.folder = folder;
        this.transfers = transfers;
        this.jobName = jobName;
    }

    Manifest write(String taskId, Path localDir, Map<String, Long> changelogOffsets, Map<String, Long> inputOffsets,
                   boolean savepoint) throws CheckpointException {
        Instant createdAt = Instant.now();
        String id = CheckpointLayout.newId(createdAt);
        CheckpointLayout layout = folder.layout();
        String taskFolder = layout.taskFolder(taskId);
        Map<Path, BasicFileAttributes> localFiles = localFiles(localDir);
        Map<Path, String> checksums = checksums(taskId, localDir, localFiles);
        Map<String, Long> stored = storedSizes(taskId);

        List<ManifestFile> files = new ArrayList<>();
        List<Transfers.Task> uploads = new ArrayList<>();
        long totalBytes = 0;
        long uploadedBytes = 0;
        for (Map.Entry<Path, BasicFileAttributes> local : localFiles.entrySet()) {
            String path = relative(localDir, local.getKey());
            long size = local.getValue().size();
            String checksum = checksums.get(local.getKey());
            String key = CheckpointLayout.fileKey(path, size, checksum);
            files.add(new ManifestFile(path, size, checksum, key));
            totalBytes += size;
            Long storedSize = stored.get(taskFolder + key);
            if (storedSize == null || storedSize != size) {
                uploadedBytes += size;
                uploads.add(() -> folder.calls().run("uploading " + local.getKey() + " to " + folder.location(taskFolder + key),
                        () -> folder.store().upload(local.getKey(), taskFolder + key)));
            }
        }
        transfers.all(uploads);
        files.sort(Comparator.comparing(ManifestFile::path));

        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, id, jobName, taskId, createdAt, savepoint, totalBytes,
                uploadedBytes, changelogOffsets, inputOffsets, files);
        String manifestKey = layout.manifestKey(taskId, savepoint, id);
        folder.calls().run("writing checkpoint manifest " + folder.location(manifestKey),
                () -> folder.store().put(manifestKey, manifest.toJson()));
        return manifest;
    }

    private Map<String, Long> storedSizes(String taskId) throws CheckpointException {
        String files = folder.layout().filesFolder(taskId);
        Map<String, Long> sizes = new HashMap<>();
        for (StoredObject object : folder.calls().call("listing the stored files of task " + taskId + " at "
                + folder.location(files), () -> folder.store().list(files))) {
            sizes.put(object.key(), object.size());
        }
        return sizes;
    }

    private static Map<Path, BasicFileAttributes> localFiles(Path localDir) throws CheckpointException {
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
}

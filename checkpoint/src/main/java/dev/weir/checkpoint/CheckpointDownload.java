package dev.weir.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

import dev.weir.checkpoint.Manifest.ManifestFile;
import org.jboss.logging.Logger;

/** Restores a checkpoint into an empty folder, checking each file's size and CRC32C as it arrives. */
final class CheckpointDownload {

    private static final Logger LOG = Logger.getLogger(CheckpointDownload.class);

    private record Received(long size, String crc32c) {
    }

    private final JobFolder folder;
    private final Transfers transfers;

    CheckpointDownload(JobFolder folder, Transfers transfers) {
        this.folder = folder;
        this.transfers = transfers;
    }

    /** @throws CorruptCheckpointException after emptying the folder again, if a file is missing or differs */
    void restore(Manifest manifest, Path emptyDir) throws CheckpointException {
        String taskFolder = folder.layout().taskFolder(manifest.taskId());
        URI checkpoint = folder.checkpointLocation(manifest.taskId(), manifest.savepoint(), manifest.id());
        Path target = prepareEmpty(emptyDir);
        List<Transfers.Task> downloads = new ArrayList<>();
        for (ManifestFile file : manifest.files()) {
            downloads.add(() -> download(file, taskFolder + file.key(), target, checkpoint));
        }
        try {
            transfers.all(downloads);
        } catch (CheckpointException e) {
            clear(target);
            throw e;
        }
    }

    private void download(ManifestFile file, String key, Path emptyDir, URI checkpoint) throws CheckpointException {
        Path target = emptyDir.resolve(file.path()).normalize();
        if (!target.startsWith(emptyDir)) {
            throw new CorruptCheckpointException("checkpoint " + checkpoint + " lists file " + file.path()
                    + ", which lies outside the folder it restores into");
        }
        Received received = folder.calls().call("downloading " + folder.location(key) + " (file " + file.path()
                + " of checkpoint " + checkpoint + ")", () -> copy(key, target));
        if (received.size() != file.size() || !received.crc32c().equals(file.crc32c())) {
            throw new CorruptCheckpointException("file " + file.path() + " of checkpoint " + checkpoint + " is corrupt: "
                    + folder.location(key) + " has " + received.size() + " bytes with CRC32C " + received.crc32c()
                    + ", the manifest says " + file.size() + " bytes with CRC32C " + file.crc32c());
        }
    }

    private Received copy(String key, Path target) {
        try (InputStream in = folder.store().read(key)) {
            Files.createDirectories(target.getParent());
            CheckedInputStream checked = new CheckedInputStream(in, new CRC32C());
            long size = Files.copy(checked, target, StandardCopyOption.REPLACE_EXISTING);
            return new Received(size, FileChecksums.hex(checked.getChecksum()));
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "copying " + folder.location(key) + " to " + target
                    + " failed: " + e, e);
        }
    }

    private static Path prepareEmpty(Path emptyDir) throws CheckpointException {
        Path target = emptyDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(target);
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new CheckpointException("restore target " + target + " is not empty: a checkpoint is only "
                            + "restored into a task with no local state");
                }
            }
            return target;
        } catch (IOException e) {
            throw new CheckpointException("preparing restore target " + target + " failed: " + e.getMessage(), e);
        }
    }

    private static void clear(Path folder) {
        try {
            LocalFiles.emptyFolder(folder);
        } catch (IOException e) {
            LOG.warnf("could not empty %s after a failed restore: %s", folder, e.getMessage());
        }
    }
}

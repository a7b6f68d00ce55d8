package dev.weir.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * CRC32C of local files, remembered per file identity (inode, size, modification time): RocksDB checkpoints
 * hard-link the same immutable files again and again, so each is read once.
 */
final class FileChecksums {

    private static final int BUFFER_SIZE = 64 * 1024;

    private record Identity(Object fileKey, long size, FileTime modified) {
    }

    private Map<Identity, String> known = new HashMap<>();

    /** The checksum of each file; afterwards only these files are remembered. */
    synchronized Map<Path, String> of(Map<Path, BasicFileAttributes> files) throws IOException {
        Map<Identity, String> current = new HashMap<>();
        Map<Path, String> checksums = new HashMap<>();
        for (Map.Entry<Path, BasicFileAttributes> file : files.entrySet()) {
            BasicFileAttributes attributes = file.getValue();
            Identity identity = new Identity(attributes.fileKey() == null ? file.getKey() : attributes.fileKey(),
                    attributes.size(), attributes.lastModifiedTime());
            String checksum = known.get(identity);
            if (checksum == null) {
                try (InputStream in = Files.newInputStream(file.getKey())) {
                    checksum = hex(digest(in, new CRC32C()));
                }
            }
            current.put(identity, checksum);
            checksums.put(file.getKey(), checksum);
        }
        known = current;
        return checksums;
    }

    /** Reads the stream to its end and returns its checksum. */
    static Checksum digest(InputStream in, Checksum checksum) throws IOException {
        byte[] buffer = new byte[BUFFER_SIZE];
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
            checksum.update(buffer, 0, read);
        }
        return checksum;
    }

    static String hex(Checksum checksum) {
        return String.format("%08x", checksum.getValue());
    }
}

package dev.weir.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Folders of files as checkpoint tests write and compare them. */
final class CheckpointFiles {

    private CheckpointFiles() {
    }

    /** Writes each file (relative path → content) into the folder, creating it. */
    static Path write(Path folder, Map<String, String> files) {
        try {
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = folder.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue());
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file under the folder: relative path → content. */
    static Map<String, String> read(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            Map<String, String> files = new TreeMap<>();
            for (Path path : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
                files.put(folder.relativize(path).toString().replace('\\', '/'), Files.readString(path, StandardCharsets.UTF_8));
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} files named like RocksDB's, each with distinct content of {@code size} bytes. */
    static Map<String, String> numbered(int count, int size) {
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            files.put(String.format("%06d.sst", i), content("file " + i, size));
        }
        return files;
    }

    static String content(String seed, int size) {
        StringBuilder content = new StringBuilder(size);
        while (content.length() < size) {
            content.append(seed).append(' ');
        }
        return content.substring(0, size);
    }
}

package dev.weir.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.stream.Stream;

/** Removing local folders: the checkpoint store's downloads, and the runtime's state and snapshot folders. */
public final class LocalFiles {
    private LocalFiles() {
    }

    /** Deletes {@code root} and everything under it; a root that is not there is already deleted. */
    public static void deleteTree(Path root) throws IOException {
        deleteUnder(root, true);
    }

    /** Deletes everything under {@code folder}, keeping the folder. */
    public static void emptyFolder(Path folder) throws IOException {
        deleteUnder(folder, false);
    }

    /** Goes on past a file it cannot delete, so as much as possible is gone, and then throws the first failure. */
    private static void deleteUnder(Path root, boolean withRoot) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        IOException first = null;
        try (Stream<Path> paths = Files.walk(root)) {
            Iterator<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).iterator();
            while (deepestFirst.hasNext()) {
                Path path = deepestFirst.next();
                if (!withRoot && path.equals(root)) {
                    continue;
                }
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        } catch (UncheckedIOException e) {
            // a folder that changed while it was walked (e.g. a writer still adding files)
            first = first == null ? e.getCause() : first;
        }
        if (first != null) {
            throw first;
        }
    }
}

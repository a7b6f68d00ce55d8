package dev.weir.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Objects as files under a local (or mounted) directory; a write goes to a hidden temporary file, then is renamed. */
final class FileObjectStore implements ObjectStore {

    private static final String TEMPORARY_PREFIX = ".tmp-";

    private final Path root;

    FileObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public URI location(String key) {
        String uri = root.resolve(key).toUri().toString();
        boolean folder = key.isEmpty() || key.endsWith("/");
        return URI.create(folder && !uri.endsWith("/") ? uri + "/" : uri);
    }

    @Override
    public void upload(Path file, String key) {
        writeAtomically(key, temporary -> Files.copy(file, temporary, StandardCopyOption.REPLACE_EXISTING));
    }

    @Override
    public void put(String key, byte[] content) {
        writeAtomically(key, temporary -> Files.write(temporary, content));
    }

    private interface Writer {
        void writeTo(Path temporary) throws IOException;
    }

    private void writeAtomically(String key, Writer writer) {
        Path target = path(key);
        Path temporary = target.resolveSibling(TEMPORARY_PREFIX + UUID.randomUUID());
        try {
            Files.createDirectories(target.getParent());
            writer.writeTo(temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw failure("writing", key, e);
        }
    }

    @Override
    public InputStream read(String key) {
        try {
            return Files.newInputStream(path(key));
        } catch (IOException e) {
            throw failure("reading", key, e);
        }
    }

    @Override
    public List<StoredObject> list(String prefix) {
        Path start = listingStart(prefix);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        try (Stream<Path> paths = Files.walk(start)) {
            List<StoredObject> objects = new ArrayList<>();
            for (Path path : (Iterable<Path>) paths::iterator) {
                String key = key(path);
                if (key.startsWith(prefix) && !path.getFileName().toString().startsWith(TEMPORARY_PREFIX)) {
                    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                    if (attributes.isRegularFile()) {
                        objects.add(new StoredObject(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
                    }
                }
            }
            return objects;
        } catch (IOException | UncheckedIOException e) {
            throw failure("listing", prefix, e instanceof UncheckedIOException unchecked ? unchecked.getCause() : (IOException) e);
        }
    }

    @Override
    public void delete(String key) {
        Path path = path(key);
        try {
            Files.deleteIfExists(path);
            removeEmptyFolders(path.getParent());
        } catch (IOException e) {
            throw failure("deleting", key, e);
        }
    }

    /** Keeps the tree free of the folders of deleted checkpoints, as S3 is. */
    private void removeEmptyFolders(Path folder) throws IOException {
        for (Path current = folder; current != null && current.startsWith(root) && !current.equals(root); current = current.getParent()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(current)) {
                if (entries.iterator().hasNext()) {
                    return;
                }
            }
            Files.deleteIfExists(current);
        }
    }

    @Override
    public void close() {
    }

    private Path path(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root)) {
            throw new IllegalArgumentException("checkpoint object key " + key + " leaves the store's folder " + root);
        }
        return path;
    }

    /** The deepest folder that holds every key with the prefix. */
    private Path listingStart(String prefix) {
        int slash = prefix.lastIndexOf('/');
        return slash < 0 ? root : path(prefix.substring(0, slash));
    }

    private String key(Path path) {
        return root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
    }

    private StoreException failure(String action, String key, IOException e) {
        StoreException.Kind kind = e instanceof NoSuchFileException ? StoreException.Kind.NOT_FOUND
                : e instanceof AccessDeniedException ? StoreException.Kind.ACCESS_DENIED
                : StoreException.Kind.UNAVAILABLE;
        return new StoreException(kind, action + " " + location(key) + " failed: " + e, e);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the temporary file is hidden from listings; a later write replaces nothing of it
        }
    }
}

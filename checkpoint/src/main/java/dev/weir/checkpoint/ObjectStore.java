package dev.weir.checkpoint;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage a checkpoint store needs: named immutable objects under a root, written whole or not at all.
 * Keys are relative to the root and use '/' as separator. Failures are {@link StoreException}s.
 */
interface ObjectStore extends AutoCloseable {

    /** Where the object or folder {@code key} is, for messages and status. */
    URI location(String key);

    /** Stores the file; readers see the object only once it is complete. */
    void upload(Path file, String key);

    void put(String key, byte[] content);

    /** The object's content; the caller closes it. */
    InputStream read(String key);

    /** Every object whose key starts with {@code prefix}, at any depth. */
    List<StoredObject> list(String prefix);

    /** Removes the object; removing one that is gone is not an error. */
    void delete(String key);

    @Override
    void close();
}

package dev.weir.checkpoint;

import java.time.Instant;

/** An object in an {@link ObjectStore}. */
record StoredObject(String key, long size, Instant lastModified) {
}

package dev.weir.runtime.kafka.state;

import java.util.Arrays;
import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.rocksdb.RocksIterator;

/** Entries of a RocksDB iterator from a key up to an inclusive end (or to the end when null), in key order. */
final class RocksRange implements KeyValueIterator<Bytes, byte[]> {
    private final RocksIterator it;
    private final byte[] toInclusive;
    private final Runnable onClose;

    RocksRange(RocksIterator it, byte[] from, byte[] toInclusive, Runnable onClose) {
        this.it = it;
        this.toInclusive = toInclusive;
        this.onClose = onClose;
        if (from == null) {
            it.seekToFirst();
        } else {
            it.seek(from);
        }
    }

    @Override
    public boolean hasNext() {
        return it.isValid() && (toInclusive == null || Arrays.compareUnsigned(it.key(), toInclusive) <= 0);
    }

    @Override
    public KeyValue<Bytes, byte[]> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        KeyValue<Bytes, byte[]> entry = KeyValue.pair(Bytes.wrap(it.key()), it.value());
        it.next();
        return entry;
    }

    @Override
    public Bytes peekNextKey() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return Bytes.wrap(it.key());
    }

    @Override
    public void close() {
        it.close();
        onClose.run();
    }
}

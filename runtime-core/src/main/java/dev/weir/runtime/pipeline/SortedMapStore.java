package dev.weir.runtime.pipeline;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory {@link OrderedStore} in RocksDB's (unsigned byte) order, written and read whole: the window state of
 * an engine that snapshots its state itself rather than through a changelog (the Kinesis engine). Not thread-safe.
 */
public final class SortedMapStore implements OrderedStore {
    private static final int FORMAT = 1;
    private final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        map.put(key, value);
    }

    @Override
    public void delete(byte[] key) {
        map.remove(key);
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
        for (Map.Entry<byte[], byte[]> e : map.subMap(from, true, to, false).entrySet()) {
            if (!visitor.visit(e.getKey(), e.getValue())) {
                return;
            }
        }
    }

    public int size() {
        return map.size();
    }

    /** Writes every entry: a format number, the count, then each key and value with its length. */
    public void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(FORMAT);
        out.writeInt(map.size());
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            out.writeInt(e.getKey().length);
            out.write(e.getKey());
            out.writeInt(e.getValue().length);
            out.write(e.getValue());
        }
    }

    /** Replaces the entries with those {@link #writeTo} wrote. */
    public void readFrom(DataInputStream in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("window state written in format " + format + ", this runtime reads format " + FORMAT);
        }
        map.clear();
        int entries = in.readInt();
        for (int i = 0; i < entries; i++) {
            byte[] key = in.readNBytes(in.readInt());
            byte[] value = in.readNBytes(in.readInt());
            map.put(key, value);
        }
    }
}

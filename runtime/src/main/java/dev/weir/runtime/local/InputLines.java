package dev.weir.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The lines of {@code weir run}'s input as bytes: split on {@code \n} only (a {@code \r} before it is dropped, one
 * elsewhere is part of the record), every line kept, blank ones too, so that a record's offset is its line number − 1.
 * A line longer than {@code maxKept} bytes keeps only its first {@code maxKept}, and says how long it was.
 */
final class InputLines {
    record Line(byte[] bytes, long size) {
        boolean whole() {
            return bytes.length == size;
        }
    }

    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final int maxKept;
    private final byte[] chunk = new byte[CHUNK];
    private int position;
    private int limit;
    private boolean eof;

    InputLines(InputStream in, int maxKept) {
        this.in = in;
        this.maxKept = maxKept;
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        byte[] kept = new byte[256];
        int keptLength = 0;
        long size = 0;
        byte last = 0;
        boolean any = false;
        while (true) {
            if (position == limit && !fill()) {
                return any ? line(kept, keptLength, size, last) : null;
            }
            any = true;
            int newline = indexOf(chunk, position, limit);
            int end = newline < 0 ? limit : newline;
            int take = Math.min(end - position, maxKept - keptLength);
            if (keptLength + take > kept.length) {
                kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + take));
            }
            System.arraycopy(chunk, position, kept, keptLength, take);
            keptLength += take;
            size += end - position;
            if (end > position) {
                last = chunk[end - 1];
            }
            position = end;
            if (newline >= 0) {
                position++;
                return line(kept, keptLength, size, last);
            }
        }
    }

    /** Drops the {@code \r} of a CRLF ending. */
    private Line line(byte[] kept, int keptLength, long size, byte last) {
        long lineSize = size;
        int length = keptLength;
        if (last == '\r') {
            lineSize--;
            if (length > lineSize) {
                length = (int) lineSize;
            }
        }
        return new Line(Arrays.copyOf(kept, length), lineSize);
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(chunk);
        if (n < 0) {
            eof = true;
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}

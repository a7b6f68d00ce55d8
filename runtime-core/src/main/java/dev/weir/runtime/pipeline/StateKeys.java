package dev.weir.runtime.pipeline;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Key layout of the window state. Times are big-endian with the sign bit flipped so that byte
 * order is time order.
 * <ul>
 *   <li>{@code W keyLen key start} → window: its end and accumulator</li>
 *   <li>{@code T end keyLen key start} → a timer: the window closes at end (+ lateness)</li>
 *   <li>{@code G} → the watermark up to which windows have been closed</li>
 *   <li>{@code S splitId} → a source split's largest reported event time and whether it ended
 *   ({@link SplitProgress})</li>
 *   <li>{@code L keyLen key start} → the first traced inputs' contexts of the window {@code W keyLen key start},
 *   and {@code C keyLen key start} → how many traced inputs it has; only with tracing ({@link WindowInputs})</li>
 * </ul>
 */
final class StateKeys {
    static final byte WINDOW = 'W';
    static final byte TIMER = 'T';
    static final byte INPUT_LINKS = 'L';
    static final byte INPUT_COUNT = 'C';
    static final byte[] WATERMARK = {'G'};
    static final byte[] SPLITS = {'S'};

    private StateKeys() {}

    static byte[] window(byte[] key, long start) {
        return ByteBuffer.allocate(1 + 4 + key.length + 8)
                .put(WINDOW).putInt(key.length).put(key).putLong(flip(start)).array();
    }

    /** The key of a window's traced inputs' links: the window's key under its own prefix. */
    static byte[] inputLinksOf(byte[] windowKey) {
        return withPrefix(INPUT_LINKS, windowKey);
    }

    /** The key of a window's count of traced inputs. */
    static byte[] inputCountOf(byte[] windowKey) {
        return withPrefix(INPUT_COUNT, windowKey);
    }

    private static byte[] withPrefix(byte prefix, byte[] windowKey) {
        byte[] key = Arrays.copyOf(windowKey, windowKey.length);
        key[0] = prefix;
        return key;
    }

    /** All windows of one key lie in {@code [windowsOf(key), windowsOf(key) + 1)}. */
    static byte[] windowsOf(byte[] key) {
        return ByteBuffer.allocate(1 + 4 + key.length).put(WINDOW).putInt(key.length).put(key).array();
    }

    static byte[] timer(long end, byte[] key, long start) {
        return ByteBuffer.allocate(1 + 8 + 4 + key.length + 8)
                .put(TIMER).putLong(flip(end)).putInt(key.length).put(key).putLong(flip(start)).array();
    }

    /** The largest state entry (key and value) a window of a key this long takes, with its timer's. */
    static int largestEntry(int keyLength, int accumulatorBytes) {
        int window = 1 + 4 + keyLength + 8 + 16 + accumulatorBytes;
        int timer = 1 + 8 + 4 + keyLength + 8;
        return Math.max(window, timer);
    }

    static byte[] timersFrom(long end) {
        return ByteBuffer.allocate(9).put(TIMER).putLong(flip(end)).array();
    }

    static final byte[] TIMERS_END = {TIMER + 1};

    /** The smallest key greater than every key starting with {@code prefix}. */
    static byte[] after(byte[] prefix) {
        byte[] next = Arrays.copyOf(prefix, prefix.length);
        for (int i = next.length - 1; i >= 0; i--) {
            if (next[i] != (byte) 0xFF) {
                next[i]++;
                return Arrays.copyOf(next, i + 1);
            }
        }
        throw new IllegalArgumentException("no key follows an all-0xFF prefix");
    }

    static long timerEnd(byte[] timerKey) {
        return flip(ByteBuffer.wrap(timerKey, 1, 8).getLong());
    }

    /** The (key, start) of a timer key, as a window key. */
    static byte[] windowOfTimer(byte[] timerKey) {
        ByteBuffer b = ByteBuffer.wrap(timerKey, 9, timerKey.length - 9);
        byte[] key = new byte[b.getInt()];
        b.get(key);
        return window(key, flip(b.getLong()));
    }

    static byte[] keyOfWindow(byte[] windowKey) {
        ByteBuffer b = ByteBuffer.wrap(windowKey, 1, windowKey.length - 1);
        byte[] key = new byte[b.getInt()];
        b.get(key);
        return key;
    }

    static long flip(long t) {
        return t ^ Long.MIN_VALUE;
    }

    static byte[] encodeLong(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long decodeLong(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong();
    }
}

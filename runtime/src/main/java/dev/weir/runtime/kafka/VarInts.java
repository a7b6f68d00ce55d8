package dev.weir.runtime.kafka;

import java.nio.ByteBuffer;

/** Variable-length integers, 7 bits a byte, least significant first; signed ones zig-zag encoded first. */
final class VarInts {
    /** The most bytes a 64-bit value takes. */
    static final int MAX_LONG_BYTES = 10;

    private VarInts() {}

    static void putUnsigned(ByteBuffer b, long value) {
        while ((value & ~0x7FL) != 0) {
            b.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        b.put((byte) value);
    }

    static void putSigned(ByteBuffer b, long value) {
        putUnsigned(b, (value << 1) ^ (value >> 63));
    }

    static long getUnsigned(ByteBuffer b) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte next = b.get();
            value |= (long) (next & 0x7F) << shift;
            if ((next & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("a variable-length integer longer than 64 bits");
    }

    static long getSigned(ByteBuffer b) {
        long raw = getUnsigned(b);
        return (raw >>> 1) ^ -(raw & 1);
    }
}

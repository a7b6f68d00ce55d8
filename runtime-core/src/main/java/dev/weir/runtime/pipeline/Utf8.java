package dev.weir.runtime.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Checks and cuts UTF-8 without losing bytes: records are bytes until they prove to be text. */
public final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {}

    /** @return the offset of the first byte that is not part of well-formed UTF-8, or -1 when all are */
    public static int firstInvalid(byte[] bytes) {
        int i = 0;
        // ASCII, the common case, eight bytes at a time
        while (i + Long.BYTES <= bytes.length && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
            i += Long.BYTES;
        }
        while (i < bytes.length && bytes[i] >= 0) {
            i++;
        }
        if (i == bytes.length) {
            return -1;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, i, bytes.length - i);
        CoderResult result = decoder.decode(in, CharBuffer.allocate(bytes.length - i), true);
        if (result.isError()) {
            return in.position();
        }
        return -1;
    }

    /** The longest prefix of at most {@code max} bytes that does not end inside a character. */
    public static int prefixLength(byte[] bytes, int max) {
        if (max >= bytes.length) {
            return bytes.length;
        }
        int cut = Math.max(max, 0);
        // back off continuation bytes (10xxxxxx), at most a character's worth, so the cut falls before a first byte
        for (int end = cut; end > 0 && end > cut - 4; end--) {
            if ((bytes[end] & 0xC0) != 0x80) {
                return end;
            }
        }
        return cut;
    }
}

package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

    /** The JDK's decoder, from the first byte: what firstInvalid must say whatever its shortcuts. */
    private static int decoderSays(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CoderResult result = decoder.decode(in, CharBuffer.allocate(bytes.length), true);
        return result.isError() ? in.position() : -1;
    }

    @Test
    void findsTheFirstBadByteWhereverItIsAfterAnyLengthOfAscii() {
        Random random = new Random(15);
        byte[][] tails = {"é".getBytes(StandardCharsets.UTF_8), "€".getBytes(StandardCharsets.UTF_8),
            "😀".getBytes(StandardCharsets.UTF_8), {(byte) 0xff}, {(byte) 0xc3}, {(byte) 0x80}, {(byte) 0xed,
            (byte) 0xa0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {0x7f}, {0}};
        for (int round = 0; round < 20_000; round++) {
            ByteBuffer b = ByteBuffer.allocate(200);
            int ascii = random.nextInt(40);
            for (int i = 0; i < ascii; i++) {
                b.put((byte) random.nextInt(128));
            }
            int pieces = random.nextInt(4);
            for (int i = 0; i < pieces; i++) {
                b.put(tails[random.nextInt(tails.length)]);
                int more = random.nextInt(12);
                for (int j = 0; j < more; j++) {
                    b.put((byte) ('a' + random.nextInt(26)));
                }
            }
            byte[] bytes = new byte[b.position()];
            b.flip().get(bytes);
            assertEquals(decoderSays(bytes), Utf8.firstInvalid(bytes), () -> java.util.HexFormat.of().formatHex(bytes));
        }
    }
}

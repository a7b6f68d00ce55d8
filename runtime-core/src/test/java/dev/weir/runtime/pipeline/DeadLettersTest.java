package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    private static Map<String, Object> envelope(byte[] payload, int maxBytes) throws Exception {
        byte[] bytes = DeadLetters.envelope(DeadLetterReason.malformed, "bad", payload, "in", 0, 7, maxBytes);
        assertTrue(bytes.length <= maxBytes, bytes.length + " bytes");
        return Json.parseObject(bytes);
    }

    @Test
    void aPayloadThatFitsIsWhole_andTheFormatIsUnchanged() throws Exception {
        Map<String, Object> d = envelope("{oops".getBytes(StandardCharsets.UTF_8), 1000);
        assertEquals("{reason=malformed, message=bad, record={oops, source={topic=in, partition=0, offset=7}}",
                d.toString());
    }

    @Test
    void aPayloadThatDoesNotFitIsCutToTheLargestPrefixThatDoes_atACharacter() throws Exception {
        // é is two bytes in UTF-8 and a quote two once escaped: the cut is neither proportional nor inside one
        byte[] payload = "é\"".repeat(1000).getBytes(StandardCharsets.UTF_8);
        Map<String, Object> d = envelope(payload, 1000);
        String kept = (String) d.get("record");
        assertTrue("é\"".repeat(1000).startsWith(kept) && kept.length() > 400, kept.length() + " characters");
        assertEquals(true, d.get("truncated"));
        assertEquals(3000L, d.get("record_bytes"));
        String oneMore = "é\"".repeat(1000).substring(0, kept.length() + 1);
        assertTrue(Json.write(Map.of("record", oneMore)).length > Json.write(Map.of("record", kept)).length);
    }

    @Test
    void bytesThatAreNotUtf8AreKeptInBase64_whole_orCutAlike() throws Exception {
        byte[] payload = {'{', (byte) 0xff, (byte) 0xfe, '}'};
        Map<String, Object> d = envelope(payload, 1000);
        assertArrayEquals(payload, Base64.getDecoder().decode((String) d.get("record_base64")));
        assertEquals("{\uFFFD\uFFFD}", d.get("record"), "a readable copy alongside");
        assertFalse(d.containsKey("truncated"));

        byte[] big = new byte[5000];
        java.util.Arrays.fill(big, (byte) 0xff);
        Map<String, Object> cut = envelope(big, 2000);
        byte[] kept = Base64.getDecoder().decode((String) cut.get("record_base64"));
        assertTrue(kept.length > 100, kept.length + " bytes");
        assertEquals(5000L, cut.get("record_bytes"));
    }
}

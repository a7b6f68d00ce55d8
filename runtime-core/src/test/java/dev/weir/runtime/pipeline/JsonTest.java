package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void keysAreTheJsonOfTheirValue() {
        for (Object key : List.of("s1", "", "with \"quotes\"", "tab\there", "ünïcode", "back\\slash", 42L, 1.5,
                true)) {
            assertArrayEquals(Json.write(key), Json.writeKey(key), String.valueOf(key));
            assertEquals(key, Json.parseValue(Json.writeKey(key)));
        }
    }

    private static String malformed(String text) {
        return malformed(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String malformed(byte[] bytes) {
        return assertThrows(MalformedRecordException.class, () -> Json.parseObject(bytes)).getMessage();
    }

    @Test
    void emptyAndBlankRecordsAreMalformed() {
        assertTrue(malformed("").startsWith("empty record"));
        assertTrue(malformed(" \t\r").startsWith("empty record"));
    }

    @Test
    void bytesThatAreNotUtf8AreMalformed_namingWhere() {
        assertEquals("not valid UTF-8: byte 0xff at offset 6 (the dead letter keeps the bytes in record_base64)",
                malformed(new byte[] {'{', '"', 'k', '"', ':', '"', (byte) 0xff, '"', '}'}));
        // a surrogate encoded in UTF-8 (CESU-8) and an overlong encoding are not UTF-8 either
        assertTrue(malformed(new byte[] {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}).contains("offset 1"));
        assertTrue(malformed(new byte[] {'"', (byte) 0xc0, (byte) 0x80, '"'}).contains("offset 1"));
    }

    @Test
    void numbersTheValueModelCannotCarryAreMalformed_notInfinityOrClamped() {
        assertEquals("field 'x' is Infinity: beyond the range of a double (±1.8e308)", malformed("{\"x\":1e400}"));
        assertEquals("field 'a.b[1]' is -Infinity: beyond the range of a double (±1.8e308)",
                malformed("{\"a\":{\"b\":[1,-1e400]}}"));
        String big = malformed("{\"id\":123456789012345678901234567890}");
        assertTrue(big.startsWith("a number out of range: Numeric value (123456789012345678901234567890) out of range"
                + " of long") && big.endsWith("send integers beyond 64 bits as strings"), big);
    }

    @Test
    void sinkDoublesHaveAtMost15SignificantDigits_soBinaryNoiseReadsAsTheDecimalMeant() throws Exception {
        Map<String, Object> out = Map.of("a", 21.999999999999996);
        assertEquals("{\"a\":22.0}", new String(Json.writeOutput(out), StandardCharsets.UTF_8));
        assertEquals("0.3", Json.outputText(0.1 + 0.2));
        assertEquals("23.5", Json.outputText(23.5));
        assertEquals("0.1234567890123", Json.outputText(0.1234567890123), "15 digits or fewer: as written");
        assertEquals("1.23456789012346E+17", Json.outputText(123456789012345678.0));
        assertEquals("1.0E300", Json.outputText(1e300));
        assertEquals(22.0, Json.parseObject(Json.writeOutput(out)).get("a"), "still a double, not an integer");
        assertArrayEquals(Json.write(21.999999999999996), "21.999999999999996".getBytes(StandardCharsets.UTF_8),
                "keys and state keep every digit");
    }
}

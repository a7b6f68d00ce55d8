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

    /**
     * The streaming reader ({@code Json.readObject}) takes what it can and leaves the rest to the data-binding reader:
     * on everything it takes, the two give equal values of equal types. Random objects, then random cuts and
     * changes of them, and the edge cases by hand.
     */
    @Test
    void theStreamingReaderGivesWhatTheDataBindingReaderGives() throws Exception {
        java.util.Random random = new java.util.Random(15);
        List<String> texts = new java.util.ArrayList<>(List.of(
                "{}", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1},\"a\":[1]}", "{\"n\":9223372036854775807}",
                "{\"n\":9223372036854775808}", "{\"n\":-9223372036854775808}", "{\"d\":1e400}", "{\"d\":-1e-400}",
                "{\"d\":1.0}", "{\"d\":1E2}", "{\"d\":-0}", "{\"d\":-0.0}", "{\"s\":\"\\u00e9\\n\"}",
                "{\"a\":1} {\"b\":2}", "{\"a\":1}]", "{\"a\":1} x", "[1]", "\"s\"", "{\"a\":}", "{\"a\" 1}",
                "{\"a\":1,}", "{'a':1}", "{\"a\":NaN}", "{\"a\":[1,[2,[3,{}]],null,true,false]}",
                "{\"a\":01}", "{\"a\":1.}", "{\"a\":\"unterminated}", "{\"a\":1}\n  ", "{\"a\":tru}",
                "{\"a\":\"0123456789\tabc\"}", "{\"a\":\"01234567\\\"89\"}", "{\"a\":\"0123456789012345\"}",
                "{\"0123456789abcdef\":\"01234567\u0001\"}", "{\"a\":\"0123456789é\u001f\"}",
                "{\"a\":\"0123456\\n89\"}", "{\"a\":\"0123456789\tabcdefghijklmnop\"}",
                "{\"a\":\"01234567\\89abcdefghijklmnop\"}", "{\"ab\u0000cdefghijklmn\":1}", "{\"a\":\"\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f\u007f\"}"));
        for (int i = 0; i < 800; i++) {
            // half of them flat, the records FlatJson reads
            String text = i % 2 == 0 ? randomObject(random, 0) : randomFlatObject(random);
            texts.add(text);
            for (int m = 0; m < 3; m++) {
                StringBuilder changed = new StringBuilder(text);
                int at = random.nextInt(changed.length());
                switch (random.nextInt(3)) {
                    case 0 -> changed.setLength(at);
                    case 1 -> changed.deleteCharAt(at);
                    default -> changed.insert(at, MUTATIONS.charAt(random.nextInt(MUTATIONS.length())));
                }
                texts.add(changed.toString());
            }
        }
        int taken = 0;
        int flat = 0;
        for (String text : texts) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Map<String, Object> flatRead = FlatJson.read(bytes);
            if (flatRead != null) {
                flat++;
                assertEquals(typed(Json.readWithDataBinding(bytes)), typed(flatRead), "FlatJson: " + text);
            }
            Map<String, Object> fast = Json.readObject(bytes);
            if (fast == null) {
                continue;
            }
            taken++;
            Object reference = Json.readWithDataBinding(bytes);
            assertEquals(typed(reference), typed(fast), text);
        }
        assertTrue(taken > 800, "the streaming reader took only " + taken + " of " + texts.size());
        assertTrue(flat > 400, "FlatJson took only " + flat + " of " + texts.size());
    }

    /** Long and halfway decimals, where a fast double parser could round differently from the JDK's. */
    @Test
    void theStreamingReaderRoundsDoublesAsTheJdkDoes() throws Exception {
        java.util.Random random = new java.util.Random(16);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder d = new StringBuilder(random.nextBoolean() ? "-" : "");
            d.append(1 + random.nextInt(9));
            // every other one short, with a small exponent: what FlatJson computes itself rather than parses
            boolean small = i % 2 == 0;
            int digits = random.nextInt(small ? 15 : 25);
            for (int j = 0; j < digits; j++) {
                d.append(random.nextInt(10));
            }
            d.insert(d.length() - random.nextInt(digits + 1), '.');
            if (d.charAt(d.length() - 1) == '.') {
                d.append('5');
            }
            if (random.nextBoolean()) {
                d.append(random.nextBoolean() ? 'e' : 'E').append(small ? random.nextInt(51) - 25 : random.nextInt(640) - 330);
            }
            String text = "{\"d\":" + d + "}";
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Map<String, Object> fast = Json.readObject(bytes);
            Object reference = Json.readWithDataBinding(bytes);
            if (fast == null) {
                // out of the double range: the data-binding reader's infinity, which parseObject refuses
                assertTrue(Double.isInfinite((Double) ((Map<?, ?>) reference).get("d")), text);
                continue;
            }
            assertEquals(typed(reference), typed(fast), text);
            assertEquals(Double.parseDouble(d.toString()), fast.get("d"), text);
        }
    }

    private static final String MUTATIONS = "{}[],:\"01e.-x ";

    /** A value with the class of every number, so that 1 (Long) and 1.0 (Double) differ. */
    private static Object typed(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, typed(v)));
            return List.of("map", List.copyOf(out.entrySet()));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(JsonTest::typed).toList();
        }
        return value == null ? "null" : value.getClass().getSimpleName() + ":" + value;
    }

    private static String randomObject(java.util.Random random, int depth) {
        StringBuilder b = new StringBuilder("{");
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(random.nextBoolean() ? "," : " , ");
            }
            b.append('"').append((char) ('a' + random.nextInt(4))).append("\":").append(randomValue(random, depth));
        }
        return b.append('}').toString();
    }

    /** An object of one level, in the spellings records come in: every kind of number, spaces, unicode. */
    private static String randomFlatObject(java.util.Random random) {
        String[] space = {"", " ", "\n", "\t ", "\r\n"};
        StringBuilder b = new StringBuilder(space[random.nextInt(space.length)]).append('{');
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(space[random.nextInt(space.length)]).append(',');
            }
            String name = List.of("sensor_id", "event_time", "temperature", "é", "", "a b", "x").get(random.nextInt(7));
            b.append(space[random.nextInt(space.length)]).append('"').append(name).append('"')
                    .append(space[random.nextInt(space.length)]).append(':').append(space[random.nextInt(space.length)])
                    .append(switch (random.nextInt(12)) {
                        case 0 -> "\"sensor-" + random.nextInt(10_000) + "\"";
                        case 1 -> "\"2024-05-01T12:00:0" + random.nextInt(10) + "Z\"";
                        case 2 -> "\"€ 😀 \u007f\"";
                        case 3 -> Long.toString(random.nextLong() >> random.nextInt(64));
                        case 4 -> List.of("-0", "0", "-0.0", "0.5", "1E+2", "1e-2", "12345678901234567890",
                                "999999999999999999", "-999999999999999999", "1234567890123456789", "1.0e400",
                                "0." + "1".repeat(120)).get(random.nextInt(12));
                        case 5 -> Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
                        case 6 -> random.nextInt(1000) / 10.0 + "";
                        default -> randomValue(random, 4);
                    });
        }
        return b.append('}').append(space[random.nextInt(space.length)]).toString();
    }

    private static String randomValue(java.util.Random random, int depth) {
        return switch (random.nextInt(depth > 3 ? 7 : 9)) {
            case 0 -> Long.toString(random.nextLong() >> random.nextInt(64));
            case 1 -> Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
            case 2 -> "\"" + "x\\\"\\u0041é".substring(0, random.nextInt(9)) + "\"";
            case 3 -> "true";
            case 4 -> "false";
            case 5 -> "null";
            case 6 -> random.nextInt(3) + "e" + (random.nextInt(700) - 350);
            case 7 -> randomObject(random, depth + 1);
            default -> "[" + randomValue(random, depth + 1) + "," + randomValue(random, depth + 1) + "]";
        };
    }
}

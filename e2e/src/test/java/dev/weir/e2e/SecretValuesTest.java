package dev.weir.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretValuesTest {
    private static final String VALUE = "weir-e2e-secret-0123456789abcdef";
    private final SecretValues secrets = new SecretValues().add("key", VALUE);

    @Test
    void findsTheValueAsIsAndBase64EncodedAloneOrAtAnyOffsetInsideALongerText() {
        for (String before : List.of("", "a", "ab", "abc", "abcd")) {
            for (String after : List.of("", "x", "xy", "xyz")) {
                String encoded = Base64.getEncoder().encodeToString((before + VALUE + after)
                        .getBytes(StandardCharsets.UTF_8));
                assertEquals(1, secrets.foundIn(Map.of("place", "data: " + encoded)).size(), before + "|" + after);
            }
        }
        assertEquals(List.of("key (as is) in log"), secrets.foundIn(Map.of("log", "keys: " + VALUE + ".")));
    }

    @Test
    void findsNothingWhereTheValueIsNot() {
        String other = VALUE.replace('9', '8');
        assertEquals(List.of(), secrets.foundIn(Map.of("log", other, "data",
                Base64.getEncoder().encodeToString(other.getBytes(StandardCharsets.UTF_8)))));
    }
}

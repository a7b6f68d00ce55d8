package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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
}

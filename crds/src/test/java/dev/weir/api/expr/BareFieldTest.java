package dev.weir.api.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An expression that is one field name skips the interpreter; it must answer exactly as CEL does. */
class BareFieldTest {
    private static final Map<String, Object> RECORD = new HashMap<>(Map.of(
            "n", 3L, "x", 1.5, "s", "a", "ok", true, "items", List.of(1L, 2L), "obj", Map.of("k", "v")));

    static {
        RECORD.put("nothing", null);
    }

    @Test
    void answersAsTheInterpreterDoes() throws Exception {
        for (String field : List.of("n", "x", "s", "ok", "items", "obj", "nothing")) {
            Object viaCel = Expression.compile("(" + field + ")").evaluate(RECORD);
            assertEquals(viaCel, Expression.compile(field).evaluate(RECORD), field);
            assertEquals(viaCel, Expression.compile("  " + field + " ").evaluate(RECORD), field);
        }
        assertNull(Expression.compile("nothing").evaluate(RECORD));
    }

    @Test
    void missingFieldIsTheSameError() throws Exception {
        String viaCel = assertThrows(ExpressionException.class,
                () -> Expression.compile("(missing)").evaluate(RECORD)).getMessage();
        String direct = assertThrows(ExpressionException.class,
                () -> Expression.compile("missing").evaluate(RECORD)).getMessage();
        assertEquals(viaCel, direct);
    }

    @Test
    void filterOnABareFieldNeedsABool() throws Exception {
        assertTrue(Expression.compile("ok").test(RECORD));
        assertFalse(Expression.compile("ok").test(Map.of("ok", false)));
        assertEquals(assertThrows(ExpressionException.class, () -> Expression.compile("(s)").test(RECORD)).getMessage(),
                assertThrows(ExpressionException.class, () -> Expression.compile("s").test(RECORD)).getMessage());
    }

    @Test
    void literalsAndTypeNamesAreNotFields() throws Exception {
        assertEquals(true, Expression.compile("true").evaluate(Map.of("true", false)));
        assertNull(Expression.compile("null").evaluate(Map.of()));
    }
}

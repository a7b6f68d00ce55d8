package dev.weir.api.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ExpressionTest {

    private static Map<String, Object> record(Object... keysAndValues) {
        Map<String, Object> record = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            record.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return record;
    }

    private static Object eval(String source, Map<String, Object> record) throws ExpressionException {
        return Expression.compile(source).evaluate(record);
    }

    private static String evalError(String source, Map<String, Object> record) {
        return assertThrows(ExpressionException.class, () -> eval(source, record)).getMessage();
    }

    @Test
    void fieldsAreVariablesByName() throws Exception {
        Expression e = Expression.compile("(temperature - 32.0) * 5.0 / 9.0");
        assertEquals(100.0, e.evaluate(record("temperature", 212.0)));
        assertEquals(Set.of("temperature"), e.fields());
        assertEquals("(temperature - 32.0) * 5.0 / 9.0", e.source());
        assertEquals("(temperature - 32.0) * 5.0 / 9.0", e.toString());
    }

    @Test
    void comparisonsMixIntAndDouble() throws Exception {
        assertTrue(Expression.compile("temperature > -50").test(record("temperature", 20.5)));
        assertFalse(Expression.compile("temperature > -50").test(record("temperature", -60.0)));
        assertTrue(Expression.compile("count == 3.0").test(record("count", 3L)));
        assertTrue(Expression.compile("count < 3.5").test(record("count", 3L)));
        assertTrue(Expression.compile("temperature == 20").test(record("temperature", 20.0)));
        assertTrue(Expression.compile("m.x >= 1.0").test(record("m", Map.of("x", 1L))));
    }

    @Test
    void arithmeticDoesNotMixIntAndDoubleAndSaysHowToConvert() throws Exception {
        assertEquals("no matching overload for '-': CEL arithmetic needs operands of one type and does not mix int"
                + " and double; convert with double(x) or int(x)", evalError("count - 0.5", record("count", 3L)));
        assertEquals(2.5, eval("double(count) - 0.5", record("count", 3L)));
        assertEquals(4L, eval("int(t) + 1", record("t", 3.7)));
    }

    @Test
    void aMissingFieldIsNamed() {
        assertEquals("no such field 'temperature'", evalError("temperature > 0.0", record("temp", 1.0)));
        assertEquals("no such field 'b'", evalError("a + b", record("a", 1L)));
    }

    @Test
    void aMissingFieldIsAbsorbedByShortCircuitLikeAnyCelError() throws Exception {
        assertEquals(false, eval("false && missing", record()));
        assertEquals(true, eval("true || missing", record()));
    }

    @Test
    void nullFieldsAreCelNull() throws Exception {
        assertTrue(Expression.compile("x == null").test(record("x", null)));
        assertTrue(Expression.compile("m.n == null && l[1] == null").test(
                record("m", record("n", null), "l", Arrays.asList(1L, null))));
        assertTrue(Expression.compile("has(m.n) && !has(m.other)").test(record("m", record("n", null))));
        assertNull(eval("x", record("x", null)));
    }

    @Test
    void otherJavaNumbersAreReadAsJsonNumbers() throws Exception {
        assertEquals(6L, eval("i + 1", record("i", 5)));
        assertEquals(3.0, eval("f * 2.0", record("f", 1.5f)));
        assertEquals(List.of(2L, 3L), eval("l.map(x, x + 1)", record("l", List.of(1, 2))));
    }

    @Test
    void resultsFollowJsonConventions() throws Exception {
        assertEquals(42L, eval("42", record()));
        assertEquals(42L, eval("42u", record()));
        assertEquals(1.5, eval("1.5", record()));
        assertEquals("a", eval("'a'", record()));
        assertEquals(true, eval("1 < 2", record()));
        assertNull(eval("null", record()));
        List<Object> list = new ArrayList<>(Arrays.asList(1L, null, 2L, "x"));
        assertEquals(list, eval("[1, null, 2u, 'x']", record()));
        Map<String, Object> map = new HashMap<>();
        map.put("a", 1L);
        map.put("n", null);
        map.put("inner", List.of(1.5));
        map.put("7", true);
        assertEquals(map, eval("{'a': 1u, 'n': null, 'inner': [1.5], 7: true}", record()));
        assertEquals(record("x", null, "y", 2L), eval("m", record("m", record("x", null, "y", 2L))));
    }

    @Test
    void timestampsDurationsAndBytesBecomeStrings() throws Exception {
        assertEquals("2024-01-01T00:10:00Z", eval("timestamp('2024-01-01T00:00:00Z') + duration('10m')", record()));
        assertEquals("90s", eval("duration('1m30s')", record()));
        assertEquals("0.5s", eval("duration('500ms')", record()));
        assertEquals("aGk=", eval("b'hi'", record()));
    }

    @Test
    void aResultWithoutJsonFormIsAnError() {
        assertEquals("the result is a type, which has no JSON form", evalError("type(1)", record()));
        assertEquals("result 18446744073709551615u is larger than the largest int, 9223372036854775807",
                evalError("18446744073709551615u", record()));
    }

    @Test
    void filtersMustYieldBool() throws Exception {
        Expression notBool = Expression.compile("x + 1");
        ExpressionException e = assertThrows(ExpressionException.class, () -> notBool.test(record("x", 1L)));
        assertEquals("filter must yield bool, got int", e.getMessage());
        ExpressionException n = assertThrows(ExpressionException.class,
                () -> Expression.compile("x").test(record("x", null)));
        assertEquals("filter must yield bool, got null", n.getMessage());
    }

    @Test
    void theCheckerInfersTheResultTypeWhereItCan() throws Exception {
        assertEquals("bool", Expression.compile("x > 1").resultType());
        assertEquals("string", Expression.compile("'a' + 'b'").resultType());
        assertEquals("dyn", Expression.compile("x").resultType());
    }

    @Test
    void evaluationErrorsCarryCelsMessage() {
        assertEquals("/ by zero", evalError("a / b", record("a", 1L, "b", 0L)));
        assertEquals("key 'nokey' is not present in map.", evalError("m.nokey", record("m", record())));
        assertEquals("error parsing regexp: missing closing ): `(`", evalError("s.matches('(')", record("s", "x")));
    }

    @Test
    void compileErrorsCarryCelsMessage() {
        ExpressionException syntax = assertThrows(ExpressionException.class, () -> Expression.compile("temperature >"));
        assertTrue(syntax.getMessage().startsWith("ERROR: <input>:1:14: mismatched input '<EOF>'"), syntax.getMessage());
        ExpressionException function = assertThrows(ExpressionException.class, () -> Expression.compile("median(x)"));
        assertTrue(function.getMessage().contains("undeclared reference to 'median'"), function.getMessage());
        ExpressionException empty = assertThrows(ExpressionException.class, () -> Expression.compile("  "));
        assertEquals("the expression is empty: write a CEL expression such as temperature > 0.0", empty.getMessage());
    }

    @Test
    void loopVariablesOfMacrosAreNotFields() throws Exception {
        Expression e = Expression.compile("x > 0 && xs.all(x, x > 1) && xs.exists(y, y == x)");
        assertEquals(Set.of("x", "xs"), e.fields());
        assertTrue(e.test(record("x", 2L, "xs", List.of(2L, 3L))));
        assertEquals(Set.of("m"), Expression.compile("m.all(k, m[k] > 0)").fields());
    }

    @Test
    void typeIsAFieldNameButOtherTypeNamesAreTypes() throws Exception {
        assertTrue(Expression.compile("type == 'click'").test(record("type", "click")));
        Expression typeTest = Expression.compile("type(n) == int");
        assertEquals(Set.of("n"), typeTest.fields());
        assertTrue(typeTest.test(record("n", 1L)));
    }

    @Test
    void evaluatesFromManyThreadsAtOnce() throws Exception {
        Expression e = Expression.compile("a * 2");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long base = t * 1_000_000L;
                results.add(pool.submit(() -> {
                    for (long i = base; i < base + 20_000; i++) {
                        if (!Long.valueOf(i * 2).equals(e.evaluate(record("a", i)))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

package dev.weir.api.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every expression answers exactly as CEL's interpreter does, value or error, on records of every shape. */
class FastPathTest {
    private static final List<String> EXPRESSIONS = List.of(
            "temperature > -50.0", "temperature >= 0.0 && temperature < 100.0", "(temperature - 32.0) * 5.0 / 9.0",
            "(double(temperature) - 32.0) * 5.0 / 9.0", "-temperature", "temperature / divisor", "count > 2",
            "count == 3", "count != 3", "name == 'a'", "name != 'b'", "flag", "!flag", "flag && count > 2",
            "count > 2 || flag", "flag ? temperature : 0.0", "temperature == 1.5", "temperature == 0.0", "temperature == -0.0", "temperature < 0.0", "temperature != temperature",
            "count + 1", "temperature + count", "temperature > count", "double(name)", "missing > 1.0",
            "missing > 1.0 && false", "false && missing > 1.0", "missing > 1.0 || true", "true || missing > 1.0",
            "temperature < 0.0 || temperature > 90.0", "1.0 / 0.0 > 1.0", "name < 'b'", "-count");

    private static List<Map<String, Object>> records() {
        List<Map<String, Object>> records = new ArrayList<>();
        Object[] temperatures = {72.5, -60.0, 0.0, -0.0, 1.5, 68L, Double.NaN, "hot", null};
        Object[] counts = {3L, 1L, 2.5, Long.MAX_VALUE};
        for (Object t : temperatures) {
            for (Object c : counts) {
                Map<String, Object> r = new HashMap<>();
                r.put("temperature", t);
                r.put("count", c);
                r.put("divisor", c instanceof Long l ? l.doubleValue() - 3.0 : 0.0);
                r.put("name", t instanceof String ? "b" : "a");
                r.put("flag", c instanceof Long l && l > 2);
                records.add(r);
            }
        }
        records.add(Map.of());
        return records;
    }

    @Test
    void answersAsTheInterpreterDoes() throws Exception {
        for (String source : EXPRESSIONS) {
            Expression e = Expression.compile(source);
            for (Map<String, Object> record : records()) {
                String expected = outcome(() -> e.evaluateInterpreted(record));
                String actual = outcome(() -> e.evaluate(record));
                assertEquals(expected, actual, source + " on " + record);
                String expectedTest = outcome(() -> {
                    Object v = e.evaluateInterpreted(record);
                    if (v instanceof Boolean) {
                        return v;
                    }
                    throw new ExpressionException("filter must yield bool, got " + Expression.celTypeName(v));
                });
                assertEquals(expectedTest, outcome(() -> e.test(record)), "test() of " + source + " on " + record);

            }
        }
    }

    @Test
    void theSensorExpressionsStayOnTheFastPath() throws Exception {
        Map<String, Object> reading = Map.of("temperature", 71.6, "sensor_id", "s1");
        for (String source : List.of("temperature > -50.0", "(double(temperature) - 32.0) * 5.0 / 9.0")) {
            FastPath.Node node = FastPath.compile(Expression.parseForTest(source), java.util.Set.of("temperature"));
            assertTrue(node != null && node.eval(reading) != FastPath.FALLBACK, source);
        }
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static String outcome(Call call) {
        try {
            Object v = call.run();
            return "value " + (v instanceof Double d && d.isNaN() ? "NaN" : String.valueOf(v))
                    + (v == null ? "" : " (" + v.getClass().getSimpleName() + ")");
        } catch (Exception e) {
            return "error " + e.getMessage();
        }
    }
}

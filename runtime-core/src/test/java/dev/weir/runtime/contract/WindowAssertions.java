package dev.weir.runtime.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Compares window records field by field, numbers within a rounding tolerance (absolute for small numbers, relative
 * for large ones: sink doubles carry 15 significant digits), in a canonical order.
 */
public final class WindowAssertions {
    private WindowAssertions() {}

    public static void assertSameWindows(List<Map<String, Object>> expected, List<Map<String, Object>> actual,
                                  String keyField) {
        Comparator<Map<String, Object>> order = Comparator
                .comparing((Map<String, Object> m) -> (String) m.get("window_end"))
                .thenComparing(m -> String.valueOf(m.get(keyField)))
                .thenComparing(m -> (String) m.get("window_start"));
        List<Map<String, Object>> e = expected.stream().sorted(order).toList();
        List<Map<String, Object>> a = actual.stream().sorted(order).toList();
        assertEquals(e.size(), a.size(), () -> "window count differs\nexpected " + e + "\nactual   " + a);
        for (int i = 0; i < e.size(); i++) {
            Map<String, Object> ew = e.get(i);
            Map<String, Object> aw = a.get(i);
            assertEquals(ew.keySet(), aw.keySet(), "fields of " + aw);
            for (String field : ew.keySet()) {
                Object ev = ew.get(field);
                Object av = aw.get(field);
                String where = "window " + i + " field " + field + ": expected " + ew + " actual " + aw;
                if (ev == null) {
                    assertNull(av, where);
                } else if (ev instanceof Number en) {
                    assertNotNull(av, where);
                    double tolerance = Math.max(1e-6, Math.abs(en.doubleValue()) * 1e-14);
                    assertEquals(en.doubleValue(), ((Number) av).doubleValue(), tolerance, where);
                } else {
                    assertEquals(ev, av, where);
                }
            }
        }
    }
}

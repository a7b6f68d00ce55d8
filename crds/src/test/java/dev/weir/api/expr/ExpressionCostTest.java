package dev.weir.api.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prints what a filter and a two-field map cost per record; no timing assertion, the numbers are for reading. */
class ExpressionCostTest {
    private static final int RECORDS = 200_000;

    @Test
    void printsNanosecondsPerEvaluation() throws Exception {
        Expression filter = Expression.compile("temperature > -50.0");
        Map<String, Expression> map = new LinkedHashMap<>();
        map.put("sensor_id", Expression.compile("sensor_id"));
        map.put("temp_c", Expression.compile("(temperature - 32.0) * 5.0 / 9.0"));
        Map<String, Object> record = new HashMap<>();
        record.put("sensor_id", "s-17");
        record.put("temperature", 71.6);
        record.put("event_time", 1_700_000_000_000L);

        for (int round = 1; round <= 5; round++) {
            long kept = 0;
            long start = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                if (filter.test(record)) {
                    kept++;
                }
            }
            long filterNanos = System.nanoTime() - start;

            Map<String, Object> out = null;
            start = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                out = new LinkedHashMap<>();
                for (Map.Entry<String, Expression> field : map.entrySet()) {
                    out.put(field.getKey(), field.getValue().evaluate(record));
                }
            }
            long mapNanos = System.nanoTime() - start;

            assertEquals(RECORDS, kept);
            assertEquals(22.0, (Double) out.get("temp_c"), 1e-9);
            System.out.printf("CEL round %d: filter %d ns/eval, 2-field map %d ns/record (%d ns per field)%n",
                    round, filterNanos / RECORDS, mapNanos / RECORDS, mapNanos / RECORDS / map.size());
        }
    }
}

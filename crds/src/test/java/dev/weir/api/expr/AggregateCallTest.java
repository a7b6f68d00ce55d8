package dev.weir.api.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.expr.AggregateCall.Function;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AggregateCallTest {

    @Test
    void countWithoutArgumentCountsRecords() throws Exception {
        AggregateCall count = AggregateCall.parse("count()");
        assertEquals(Function.COUNT, count.function());
        assertNull(count.argument());
        assertEquals("count()", count.toString());
        assertEquals(Function.COUNT, AggregateCall.parse("  count ( ) ").function());
    }

    @Test
    void eachFunctionTakesAnyCelExpression() throws Exception {
        for (Function function : Function.values()) {
            AggregateCall call = AggregateCall.parse(function.spelling() + "(temp_c)");
            assertEquals(function, call.function());
            assertEquals("temp_c", call.argument().source());
        }
        AggregateCall avg = AggregateCall.parse("avg((temperature - 32.0) * 5.0 / 9.0)");
        assertEquals(Function.AVG, avg.function());
        assertEquals(100.0, avg.argument().evaluate(Map.of("temperature", 212.0)));
        AggregateCall withParenthesesInAString = AggregateCall.parse("max(size(s) > 2 ? 'a)' : 'b(')");
        assertEquals("size(s) > 2 ? 'a)' : 'b('", withParenthesesInAString.argument().source());
        assertEquals("max(size(s) > 2 ? 'a)' : 'b(')", withParenthesesInAString.toString());
    }

    @Test
    void unknownFunctionsListTheKnownOnes() {
        assertEquals("unknown aggregate function 'median': use one of count(), count(x), sum(x), avg(x), min(x), max(x)",
                message("median(x)"));
        assertEquals("unknown aggregate function 'AVG': use one of count(), count(x), sum(x), avg(x), min(x), max(x)",
                message("AVG(x)"));
    }

    @Test
    void aMissingArgumentListsTheKnownFunctions() {
        assertEquals("sum() needs an argument, e.g. sum(temperature): write one of count(), count(x), sum(x), avg(x),"
                + " min(x), max(x)", message("sum()"));
    }

    @Test
    void notACallListsTheKnownFunctions() {
        assertEquals("'temp_c' is not an aggregate call: write one of count(), count(x), sum(x), avg(x), min(x), max(x)",
                message("temp_c"));
        assertEquals("no aggregate: write one of count(), count(x), sum(x), avg(x), min(x), max(x)", message(" "));
        assertEquals("no aggregate: write one of count(), count(x), sum(x), avg(x), min(x), max(x)", message(null));
        assertEquals("'sum(a) + max(b)' is not a single aggregate call: write one of count(), count(x), sum(x), avg(x),"
                + " min(x), max(x), and compute on its result in a later map step", message("sum(a) + max(b)"));
        assertEquals("avg takes one argument, got 2: write one of count(), count(x), sum(x), avg(x), min(x), max(x)",
                message("avg(a, b)"));
    }

    @Test
    void aBadArgumentCarriesCelsMessage() {
        assertTrue(message("avg(a +)").startsWith("ERROR: <input>:1:8: mismatched input ')'"), message("avg(a +)"));
    }

    private static String message(String text) {
        return assertThrows(ExpressionException.class, () -> AggregateCall.parse(text)).getMessage();
    }
}

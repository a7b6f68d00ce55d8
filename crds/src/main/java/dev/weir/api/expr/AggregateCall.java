package dev.weir.api.expr;

import dev.cel.common.ast.CelExpr;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One aggregate of a window, as written in {@code window.aggregate}: {@code count()}, {@code count(x)},
 * {@code sum(x)}, {@code avg(x)}, {@code min(x)} or {@code max(x)}, where x is any CEL expression over the record.
 * {@code count()} counts records; the others skip records whose argument is null.
 *
 * @param argument the compiled argument; null only for {@code count()}
 */
public record AggregateCall(Function function, Expression argument) {

    public enum Function {
        COUNT, SUM, AVG, MIN, MAX;

        /** The name users write: count, sum, avg, min, max. */
        public String spelling() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String KNOWN = "count(), count(x), sum(x), avg(x), min(x), max(x)";

    private static final Pattern CALL = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\((.*)\\)\\s*", Pattern.DOTALL);

    public static AggregateCall parse(String text) throws ExpressionException {
        Matcher call = text == null ? null : CALL.matcher(text);
        if (call == null || !call.matches()) {
            throw new ExpressionException(
                    (text == null || text.isBlank() ? "no aggregate" : "'" + text + "' is not an aggregate call")
                            + ": write one of " + KNOWN);
        }
        Function function = function(call.group(1));
        CelExpr parsed = Expression.parse(text).getExpr();
        if (parsed.getKind() != CelExpr.ExprKind.Kind.CALL || parsed.call().target().isPresent()
                || !parsed.call().function().equals(call.group(1))) {
            throw new ExpressionException("'" + text + "' is not a single aggregate call: write one of " + KNOWN
                    + ", and compute on its result in a later map step");
        }
        switch (parsed.call().args().size()) {
            case 0 -> {
                if (function != Function.COUNT) {
                    throw new ExpressionException(function.spelling() + "() needs an argument, e.g. "
                            + function.spelling() + "(temperature): write one of " + KNOWN);
                }
                return new AggregateCall(function, null);
            }
            case 1 -> {
                return new AggregateCall(function, Expression.compile(call.group(2)));
            }
            default -> throw new ExpressionException(function.spelling() + " takes one argument, got "
                    + parsed.call().args().size() + ": write one of " + KNOWN);
        }
    }

    private static Function function(String name) throws ExpressionException {
        for (Function function : Function.values()) {
            if (function.spelling().equals(name)) {
                return function;
            }
        }
        throw new ExpressionException("unknown aggregate function '" + name + "': use one of " + KNOWN);
    }

    @Override
    public String toString() {
        return function.spelling() + "(" + (argument == null ? "" : argument.source()) + ")";
    }
}

package dev.weir.api.expr;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates the part of CEL that record pipelines mostly use — double arithmetic, comparisons of
 * same-typed values, {@code double()}, logic, the conditional — as plain Java. Whenever a value is
 * not one of the cases it handles exactly (a missing field, an int in arithmetic, mixed int/double
 * comparison, division by zero…) a node answers {@link #FALLBACK} and the caller asks CEL's
 * interpreter, which then gives CEL's result or error. So the answers are always CEL's.
 */
final class FastPath {
    /** "Ask the interpreter": this evaluation leaves the handled subset. */
    static final Object FALLBACK = new Object();

    @FunctionalInterface
    interface Node {
        Object eval(Map<String, Object> record);
    }

    private FastPath() {}

    /** @return a node for the whole expression, or null when it uses anything outside the subset */
    static Node compile(CelExpr expr, Set<String> fields) {
        return switch (expr.getKind()) {
            case CONSTANT -> constant(expr.constant());
            case IDENT -> fields.contains(expr.ident().name()) ? field(expr.ident().name()) : null;
            case CALL -> expr.call().target().isPresent() ? null : call(expr.call().function(), expr.call().args(), fields);
            default -> null;
        };
    }

    private static Node constant(CelConstant constant) {
        Object value = switch (constant.getKind()) {
            case BOOLEAN_VALUE -> constant.booleanValue();
            case INT64_VALUE -> constant.int64Value();
            case DOUBLE_VALUE -> constant.doubleValue();
            case STRING_VALUE -> constant.stringValue();
            default -> null;
        };
        return value == null ? null : record -> value;
    }

    private static Node field(String name) {
        return record -> {
            Object value = record.get(name);
            return value instanceof Double || value instanceof Long || value instanceof String || value instanceof Boolean
                    ? value : FALLBACK;
        };
    }

    private static Node call(String function, List<CelExpr> args, Set<String> fields) {
        Node[] a = new Node[args.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = compile(args.get(i), fields);
            if (a[i] == null) {
                return null;
            }
        }
        if (a.length == 1) {
            Node x = a[0];
            return switch (function) {
                case "-_" -> r -> x.eval(r) instanceof Double d ? (Object) (-d) : FALLBACK;
                case "!_" -> r -> x.eval(r) instanceof Boolean b ? (Object) !b : FALLBACK;
                case "double" -> r -> {
                    Object v = x.eval(r);
                    return v instanceof Double ? v : v instanceof Long l ? (Object) l.doubleValue() : FALLBACK;
                };
                default -> null;
            };
        }
        if (a.length == 3 && function.equals("_?_:_")) {
            return r -> a[0].eval(r) instanceof Boolean c ? (c ? a[1] : a[2]).eval(r) : FALLBACK;
        }
        if (a.length != 2) {
            return null;
        }
        Node x = a[0];
        Node y = a[1];
        return switch (function) {
            case "_+_" -> r -> x.eval(r) instanceof Double p && y.eval(r) instanceof Double q ? (Object) (p + q) : FALLBACK;
            case "_-_" -> r -> x.eval(r) instanceof Double p && y.eval(r) instanceof Double q ? (Object) (p - q) : FALLBACK;
            case "_*_" -> r -> x.eval(r) instanceof Double p && y.eval(r) instanceof Double q ? (Object) (p * q) : FALLBACK;
            case "_/_" -> r -> x.eval(r) instanceof Double p && y.eval(r) instanceof Double q && q != 0.0
                    ? (Object) (p / q) : FALLBACK;
            case "_<_" -> compare(x, y, c -> c < 0);
            case "_<=_" -> compare(x, y, c -> c <= 0);
            case "_>_" -> compare(x, y, c -> c > 0);
            case "_>=_" -> compare(x, y, c -> c >= 0);
            case "_==_" -> equal(x, y, true);
            case "_!=_" -> equal(x, y, false);
            case "_&&_" -> r -> {
                Object p = x.eval(r);
                if (Boolean.FALSE.equals(p)) {
                    return false;
                }
                Object q = y.eval(r);
                if (Boolean.FALSE.equals(q)) {
                    return p instanceof Boolean ? (Object) false : FALLBACK;
                }
                return Boolean.TRUE.equals(p) && q instanceof Boolean ? q : FALLBACK;
            };
            case "_||_" -> r -> {
                Object p = x.eval(r);
                if (Boolean.TRUE.equals(p)) {
                    return true;
                }
                Object q = y.eval(r);
                if (Boolean.TRUE.equals(q)) {
                    return p instanceof Boolean ? (Object) true : FALLBACK;
                }
                return Boolean.FALSE.equals(p) && q instanceof Boolean ? q : FALLBACK;
            };
            default -> null;
        };
    }

    @FunctionalInterface
    private interface Outcome {
        boolean of(int comparison);
    }

    /** Same-typed doubles or ints only: mixed comparisons and NaN follow CEL's own rules. */
    private static Node compare(Node x, Node y, Outcome outcome) {
        return r -> {
            Object p = x.eval(r);
            Object q = y.eval(r);
            if (p instanceof Double a && q instanceof Double b && !a.isNaN() && !b.isNaN()) {
                return outcome.of(a < b ? -1 : a > b ? 1 : 0);
            }
            if (p instanceof Long a && q instanceof Long b) {
                return outcome.of(Long.compare(a, b));
            }
            return FALLBACK;
        };
    }

    private static Node equal(Node x, Node y, boolean equal) {
        return r -> {
            Object p = x.eval(r);
            Object q = y.eval(r);
            if (p == FALLBACK || q == FALLBACK || p.getClass() != q.getClass()) {
                return FALLBACK;
            }
            if (p instanceof Double a && (a.isNaN() || ((Double) q).isNaN())) {
                return FALLBACK;
            }
            boolean same = p instanceof Double a ? a.doubleValue() == (Double) q : p.equals(q);
            return same == equal;
        };
    }
}

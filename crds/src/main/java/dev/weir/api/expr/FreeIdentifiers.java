package dev.weir.api.expr;

import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelExpr.CelComprehension;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/** The identifiers an expression reads from outside itself: the names of record fields it references. */
final class FreeIdentifiers {
    /**
     * CEL's type identifiers; {@code type} is left out on purpose: events often carry a field of that name, and
     * {@code type(x)} still works as a function.
     */
    private static final Set<String> TYPE_NAMES =
            Set.of("int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "dyn");

    private FreeIdentifiers() {
    }

    static Set<String> of(CelExpr expr) {
        Set<String> free = new LinkedHashSet<>();
        collect(expr, Set.of(), free);
        free.removeAll(TYPE_NAMES);
        return free;
    }

    private static void collect(CelExpr expr, Set<String> bound, Set<String> free) {
        switch (expr.getKind()) {
            case IDENT -> {
                if (!bound.contains(expr.ident().name())) {
                    free.add(expr.ident().name());
                }
            }
            case SELECT -> collect(expr.select().operand(), bound, free);
            case CALL -> {
                expr.call().target().ifPresent(target -> collect(target, bound, free));
                expr.call().args().forEach(arg -> collect(arg, bound, free));
            }
            case LIST -> expr.list().elements().forEach(element -> collect(element, bound, free));
            case MAP -> expr.map().entries().forEach(entry -> {
                collect(entry.key(), bound, free);
                collect(entry.value(), bound, free);
            });
            case STRUCT -> expr.struct().entries().forEach(entry -> collect(entry.value(), bound, free));
            case COMPREHENSION -> collectComprehension(expr.comprehension(), bound, free);
            default -> {
            }
        }
    }

    /** Macros such as all/exists/map expand to comprehensions whose loop variables shadow record fields. */
    private static void collectComprehension(CelComprehension loop, Set<String> bound, Set<String> free) {
        collect(loop.iterRange(), bound, free);
        collect(loop.accuInit(), bound, free);
        Set<String> withAccumulator = new HashSet<>(bound);
        withAccumulator.add(loop.accuVar());
        Set<String> withLoopVariables = new HashSet<>(withAccumulator);
        withLoopVariables.add(loop.iterVar());
        collect(loop.loopCondition(), withLoopVariables, free);
        collect(loop.loopStep(), withLoopVariables, free);
        collect(loop.result(), withAccumulator, free);
    }
}

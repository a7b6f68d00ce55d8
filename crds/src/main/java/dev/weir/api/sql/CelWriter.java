package dev.weir.api.sql;

import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlCharStringLiteral;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlUnknownLiteral;
import org.apache.calcite.sql.fun.SqlBetweenOperator;
import org.apache.calcite.sql.fun.SqlCase;
import org.apache.calcite.sql.fun.SqlLikeOperator;

/**
 * Writes a SQL expression as CEL text: the operators of the subset map one to one (docs/sql.md has the table), and
 * names go through a {@link Scope}. Anything else is refused where it stands, with what to write instead.
 */
final class CelWriter {
    static final String SUPPORTED = "columns, literals, + - * / %, ||, = <> < <= > >=, AND, OR, NOT, IS [NOT] NULL,"
            + " IS [NOT] TRUE/FALSE, [NOT] BETWEEN, [NOT] IN (list), [NOT] LIKE, CASE, CAST, COALESCE, CHAR_LENGTH";

    private static final Map<SqlKind, String> RELATIONS = Map.of(SqlKind.EQUALS, "==", SqlKind.NOT_EQUALS, "!=",
            SqlKind.LESS_THAN, "<", SqlKind.LESS_THAN_OR_EQUAL, "<=", SqlKind.GREATER_THAN, ">",
            SqlKind.GREATER_THAN_OR_EQUAL, ">=");
    private static final Map<SqlKind, String> ARITHMETIC = Map.of(SqlKind.PLUS, "+", SqlKind.MINUS, "-",
            SqlKind.TIMES, "*", SqlKind.DIVIDE, "/", SqlKind.MOD, "%");
    private static final Map<SqlKind, String> IS_TESTS = Map.of(SqlKind.IS_NULL, "== null",
            SqlKind.IS_NOT_NULL, "!= null", SqlKind.IS_TRUE, "== true", SqlKind.IS_NOT_TRUE, "!= true",
            SqlKind.IS_FALSE, "== false", SqlKind.IS_NOT_FALSE, "!= false");
    private static final Set<String> TO_DOUBLE = Set.of("DOUBLE", "FLOAT", "REAL", "DECIMAL", "DEC", "NUMERIC");
    private static final Set<String> TO_INT = Set.of("TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT");
    private static final Set<String> TO_STRING = Set.of("STRING", "VARCHAR", "CHAR", "CHARACTER");
    /** What RE2 reads as syntax, escaped when a LIKE pattern holds it literally. */
    private static final String REGEX_SYNTAX = "\\.[]{}()*+-?^$|";

    private final Scope scope;

    CelWriter(Scope scope) {
        this.scope = scope;
    }

    Cel write(SqlNode node) throws SqlException {
        if (node instanceof SqlIdentifier identifier) {
            return scope.column(identifier);
        }
        if (node instanceof SqlLiteral literal) {
            return literal(literal);
        }
        if (node instanceof SqlCase caseWhen) {
            return caseWhen(caseWhen);
        }
        if (node.getKind() == SqlKind.SELECT || node.getKind() == SqlKind.ORDER_BY || node.getKind() == SqlKind.UNION
                || node.getKind() == SqlKind.WITH || node.getKind() == SqlKind.EXISTS
                || node.getKind() == SqlKind.SCALAR_QUERY) {
            throw new SqlException(node.getParserPosition(), "subqueries are not supported: a job reads one stream"
                    + " record by record; compute the value from the record's own fields");
        }
        if (node instanceof SqlBasicCall call) {
            return call(call);
        }
        throw unsupported(node);
    }

    private Cel call(SqlBasicCall call) throws SqlException {
        SqlKind kind = call.getKind();
        List<SqlNode> operands = call.getOperandList();
        if (kind == SqlKind.AND || kind == SqlKind.OR) {
            int precedence = kind == SqlKind.AND ? Cel.AND : Cel.OR;
            List<String> parts = new ArrayList<>();
            for (SqlNode operand : operands) {
                parts.add(write(operand).at(precedence));
            }
            return new Cel(String.join(kind == SqlKind.AND ? " && " : " || ", parts), precedence);
        }
        if (kind == SqlKind.NOT) {
            return new Cel("!" + write(operands.get(0)).at(Cel.UNARY), Cel.UNARY);
        }
        if (RELATIONS.containsKey(kind)) {
            return binary(operands, RELATIONS.get(kind), Cel.RELATION, Cel.SUM);
        }
        if (ARITHMETIC.containsKey(kind) && operands.size() == 2) {
            int precedence = kind == SqlKind.PLUS || kind == SqlKind.MINUS ? Cel.SUM : Cel.PRODUCT;
            return binary(operands, ARITHMETIC.get(kind), precedence, precedence + 1);
        }
        if (kind == SqlKind.MINUS_PREFIX) {
            return new Cel("-" + write(operands.get(0)).at(Cel.UNARY), Cel.UNARY);
        }
        if (kind == SqlKind.PLUS_PREFIX) {
            return write(operands.get(0));
        }
        if (IS_TESTS.containsKey(kind)) {
            return new Cel(write(operands.get(0)).at(Cel.SUM) + " " + IS_TESTS.get(kind), Cel.RELATION);
        }
        if (kind == SqlKind.BETWEEN) {
            return between(call);
        }
        if (kind == SqlKind.IN || kind == SqlKind.NOT_IN) {
            return in(call, kind == SqlKind.NOT_IN);
        }
        if (kind == SqlKind.LIKE) {
            return like(call);
        }
        if (kind == SqlKind.CAST) {
            return cast(call);
        }
        if (kind == SqlKind.OVER) {
            throw new SqlException(call.getParserPosition(), "OVER (per-row running aggregates) is not supported:"
                    + " aggregate per window with GROUP BY window_start, window_end, key, or GROUP BY TUMBLE(…)");
        }
        if (kind == SqlKind.FILTER) {
            throw new SqlException(call.getParserPosition(), "FILTER (WHERE …) on an aggregate is not supported:"
                    + " put the condition in its argument, e.g. COUNT(CASE WHEN status = 'failed' THEN 1 END)");
        }
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (name.equals("||")) {
            return binary(operands, "+", Cel.SUM, Cel.PRODUCT);
        }
        Cel special = scope.call(call, name);
        if (special != null) {
            return special;
        }
        return switch (name) {
            case "COALESCE" -> coalesce(call);
            case "CHAR_LENGTH", "CHARACTER_LENGTH" -> function("size", call);
            default -> throw unsupported(call);
        };
    }

    private Cel binary(List<SqlNode> operands, String operator, int precedence, int rightAtLeast)
            throws SqlException {
        int leftAtLeast = precedence == Cel.RELATION ? Cel.SUM : precedence;
        return new Cel(write(operands.get(0)).at(leftAtLeast) + " " + operator + " "
                + write(operands.get(1)).at(rightAtLeast), precedence);
    }

    private Cel between(SqlBasicCall call) throws SqlException {
        SqlBetweenOperator operator = (SqlBetweenOperator) call.getOperator();
        if (operator.flag == SqlBetweenOperator.Flag.SYMMETRIC) {
            throw new SqlException(call.getParserPosition(), "BETWEEN SYMMETRIC is not supported: give the bounds in"
                    + " order, lower first");
        }
        String value = write(call.operand(0)).at(Cel.SUM);
        Cel range = new Cel(value + " >= " + write(call.operand(1)).at(Cel.SUM) + " && " + value + " <= "
                + write(call.operand(2)).at(Cel.SUM), Cel.AND);
        return operator.isNegated() ? new Cel("!" + range.at(Cel.PRIMARY), Cel.UNARY) : range;
    }

    private Cel in(SqlBasicCall call, boolean negated) throws SqlException {
        if (!(call.operand(1) instanceof SqlNodeList values)) {
            throw new SqlException(call.operand(1).getParserPosition(), "IN takes a list of values, not a subquery:"
                    + " write x IN ('a', 'b')");
        }
        List<String> items = new ArrayList<>();
        for (SqlNode value : values) {
            items.add(write(value).text());
        }
        Cel in = new Cel(write(call.operand(0)).at(Cel.SUM) + " in [" + String.join(", ", items) + "]", Cel.RELATION);
        return negated ? new Cel("!" + in.at(Cel.PRIMARY), Cel.UNARY) : in;
    }

    private Cel like(SqlBasicCall call) throws SqlException {
        if (call.operandCount() > 2) {
            throw new SqlException(call.operand(2).getParserPosition(), "LIKE … ESCAPE is not supported: write the"
                    + " pattern without an escape character");
        }
        if (!(call.operand(1) instanceof SqlCharStringLiteral pattern)) {
            throw new SqlException(call.operand(1).getParserPosition(), "LIKE needs a string literal pattern, e.g."
                    + " path LIKE '/api/%'");
        }
        StringBuilder regex = new StringBuilder("^(?s)");
        for (char c : pattern.getValueAs(String.class).toCharArray()) {
            if (c == '%') {
                regex.append(".*");
            } else if (c == '_') {
                regex.append('.');
            } else {
                regex.append(REGEX_SYNTAX.indexOf(c) >= 0 ? "\\" + c : String.valueOf(c));
            }
        }
        Cel matches = Cel.primary(write(call.operand(0)).at(Cel.PRIMARY) + ".matches("
                + Cel.string(regex.append('$').toString()).text() + ")");
        boolean negated = ((SqlLikeOperator) call.getOperator()).isNegated();
        return negated ? new Cel("!" + matches.text(), Cel.UNARY) : matches;
    }

    private Cel cast(SqlBasicCall call) throws SqlException {
        SqlDataTypeSpec type = (SqlDataTypeSpec) call.operand(1);
        String name = type.getTypeName().getSimple().toUpperCase(Locale.ROOT);
        String conversion = TO_DOUBLE.contains(name) ? "double" : TO_INT.contains(name) ? "int"
                : TO_STRING.contains(name) ? "string" : name.equals("BOOLEAN") ? "bool" : null;
        if (conversion == null) {
            throw new SqlException(type.getParserPosition(), "CAST to " + name + " is not supported: cast to DOUBLE"
                    + " (or FLOAT, DECIMAL), BIGINT (or INT), STRING (or VARCHAR) or BOOLEAN");
        }
        return Cel.primary(conversion + "(" + write(call.operand(0)).text() + ")");
    }

    private Cel coalesce(SqlBasicCall call) throws SqlException {
        List<SqlNode> operands = call.getOperandList();
        Cel result = write(operands.get(operands.size() - 1));
        for (int i = operands.size() - 2; i >= 0; i--) {
            String value = write(operands.get(i)).at(Cel.SUM);
            result = new Cel(value + " != null ? " + value + " : " + result.at(Cel.TERNARY), Cel.TERNARY);
        }
        return result;
    }

    private Cel caseWhen(SqlCase caseWhen) throws SqlException {
        SqlNode value = caseWhen.getValueOperand();
        List<SqlNode> whens = caseWhen.getWhenOperands().getList();
        List<Cel> results = new ArrayList<>();
        for (SqlNode then : caseWhen.getThenOperands()) {
            results.add(write(then));
        }
        results.add(caseWhen.getElseOperand() == null ? Cel.primary("null") : write(caseWhen.getElseOperand()));
        results = sameType(results);
        Cel result = results.get(results.size() - 1);
        for (int i = whens.size() - 1; i >= 0; i--) {
            String condition = value == null ? write(whens.get(i)).at(Cel.OR)
                    : write(value).at(Cel.SUM) + " == " + write(whens.get(i)).at(Cel.SUM);
            result = new Cel(condition + " ? " + results.get(i).at(Cel.OR) + " : " + result.at(Cel.TERNARY),
                    Cel.TERNARY);
        }
        return result;
    }

    /**
     * CEL's conditional wants both branches of one type, where SQL finds a common type (1 and 0.5, 1 and NULL): when
     * the results' types differ, each result of a known type is made dyn, which is what CEL gives a record field.
     */
    private static List<Cel> sameType(List<Cel> results) {
        Set<String> types = new HashSet<>();
        List<String> typeOf = new ArrayList<>();
        for (Cel result : results) {
            String type;
            try {
                type = Expression.compile(result.text()).resultType();
            } catch (ExpressionException e) {
                type = "dyn";
            }
            typeOf.add(type);
            if (!type.equals("dyn")) {
                types.add(type);
            }
        }
        if (types.size() <= 1) {
            return results;
        }
        List<Cel> unified = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            boolean known = !typeOf.get(i).equals("dyn") && !typeOf.get(i).equals("null_type");
            unified.add(known ? Cel.primary("dyn(" + results.get(i).text() + ")") : results.get(i));
        }
        return unified;
    }

    private Cel function(String celFunction, SqlBasicCall call) throws SqlException {
        if (call.operandCount() != 1) {
            throw new SqlException(call.getParserPosition(), call.getOperator().getName() + " takes one argument");
        }
        return Cel.primary(celFunction + "(" + write(call.operand(0)).text() + ")");
    }

    private static Cel literal(SqlLiteral literal) throws SqlException {
        switch (literal.getTypeName()) {
            case NULL -> {
                return Cel.primary("null");
            }
            case BOOLEAN -> {
                return Cel.primary(String.valueOf(literal.booleanValue()));
            }
            case CHAR -> {
                return Cel.string(literal.getValueAs(String.class));
            }
            default -> {
                if (literal instanceof SqlNumericLiteral number) {
                    return number(number);
                }
                // typed literals such as TIMESTAMP '…' stay unresolved until validation, which Weir does not run
                String type = literal instanceof SqlUnknownLiteral typed ? typed.tag
                        : literal.getTypeName().getName().replace('_', ' ');
                throw new SqlException(literal.getParserPosition(), type
                        + " literals are not supported in expressions: INTERVAL gives window sizes only; compare"
                        + " times as epoch milliseconds or ISO-8601 strings");
            }
        }
    }

    /** Exact integers stay CEL ints; anything with a fraction or exponent is a CEL double, as 32.0 is. */
    private static Cel number(SqlNumericLiteral number) throws SqlException {
        BigDecimal value = number.getValueAs(BigDecimal.class);
        if (number.isExact() && value.scale() <= 0) {
            try {
                return Cel.primary(String.valueOf(value.longValueExact()));
            } catch (ArithmeticException tooLarge) {
                throw new SqlException(number.getParserPosition(), value + " does not fit a 64-bit integer");
            }
        }
        String text = value.toPlainString();
        return Cel.primary(text.contains(".") ? text : text + ".0");
    }

    static SqlException unsupported(SqlNode node) {
        String what = node instanceof SqlCall call ? call.getOperator().getName() : node.toString();
        return new SqlException(node.getParserPosition(), what + " is not supported in Weir's SQL: expressions use "
                + SUPPORTED + "; aggregates COUNT, SUM, AVG, MIN, MAX (docs/sql.md)");
    }
}

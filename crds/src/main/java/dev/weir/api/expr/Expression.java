package dev.weir.api.expr;

import com.google.common.primitives.UnsignedLong;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.CelVarDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A CEL expression over one record, compiled once and evaluated many times.
 *
 * <p>The fields of the record are CEL variables by their names, all of type {@code dyn}, since records are
 * schemaless JSON. Values in and out follow JSON conventions: {@code Long} (integers), {@code Double}, {@code String},
 * {@code Boolean}, {@code null}, {@code List<Object>} and {@code Map<String, Object>}.
 *
 * <p>Comparisons mix int and double freely ({@code temperature > -50} with a double temperature, {@code count == 3.0}).
 * Arithmetic does not: {@code count - 0.5} with an int count is an error; {@code double(count) - 0.5} converts.
 * A field the record lacks is an error when the expression reads it; like every CEL error it is absorbed by a
 * short-circuit ({@code false && missing} is false), and {@code has(m.x)} tests a key of a map field.
 * A field named like a CEL type ({@code int}, {@code string}, … but not {@code type}) cannot be read by name.
 *
 * <p>Instances are immutable and may be evaluated from many threads at once.
 */
public final class Expression {
    private static final Cel BASE = CelFactory.standardCelBuilder()
            .setOptions(CelOptions.current().enableHeterogeneousNumericComparisons(true).build())
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .build();

    private static final Pattern EVALUATION_ERROR_PREFIX = Pattern.compile("^evaluation error at [^:]*:\\d+: ");
    private static final Set<String> ARITHMETIC = Set.of("_+_", "_-_", "_*_", "_/_", "_%_");

    private final String source;
    private final Set<String> fields;
    private final CelType resultType;
    private final CelRuntime.Program program;
    /** Set when the whole expression is one field name: then it is a map lookup, not a trip through CEL. */
    private final String bareField;
    /** The expression as plain Java where it stays in {@link FastPath}'s subset; null otherwise. */
    private final FastPath.Node fast;

    private Expression(String source, Set<String> fields, CelType resultType, CelRuntime.Program program,
                       FastPath.Node fast) {
        this.fast = fast;
        this.source = source;
        this.fields = fields;
        this.resultType = resultType;
        this.program = program;
        this.bareField = fields.size() == 1 && fields.contains(source.strip()) ? source.strip() : null;
    }

    /** Parses and type-checks {@code source}; CEL's message when it is not a valid expression. */
    public static Expression compile(String source) throws ExpressionException {
        if (source == null || source.isBlank()) {
            throw new ExpressionException("the expression is empty: write a CEL expression such as temperature > 0.0");
        }
        CelAbstractSyntaxTree parsed = parse(source);
        try {
            Set<String> fields = Set.copyOf(FreeIdentifiers.of(parsed.getExpr()));
            Cel withFields = BASE.toCelBuilder()
                    .addVarDeclarations(fields.stream().map(f -> CelVarDecl.newVarDeclaration(f, SimpleType.DYN)).toList())
                    .build();
            CelValidationResult checked = withFields.check(parsed);
            CelAbstractSyntaxTree ast = checked.getAst();
            return new Expression(source, fields, ast.getResultType(), withFields.createProgram(ast),
                    FastPath.compile(parsed.getExpr(), fields));
        } catch (CelValidationException e) {
            throw new ExpressionException(e.getMessage().strip(), e);
        } catch (CelEvaluationException e) {
            throw new ExpressionException("cannot plan the expression: " + e.getMessage(), e);
        }
    }

    /** Parses without type-checking, for callers that look at an expression's shape; CEL's message on error. */
    static CelAbstractSyntaxTree parse(String source) throws ExpressionException {
        try {
            return BASE.parse(source).getAst();
        } catch (CelValidationException e) {
            throw new ExpressionException(e.getMessage().strip(), e);
        }
    }

    public String source() {
        return source;
    }

    /** The field name when the whole expression is one, else null. */
    public String bareField() {
        return bareField;
    }

    /** The names of the record fields the expression reads. */
    public Set<String> fields() {
        return fields;
    }

    /** The CEL type the checker infers for the result: {@code bool}, {@code int}, …, or {@code dyn} when unknown. */
    public String resultType() {
        return resultType.name();
    }

    /** Evaluates over {@code record}; the result follows JSON conventions (int → Long, uint → Long, null → null). */
    public Object evaluate(Map<String, Object> record) throws ExpressionException {
        if (bareField != null) {
            return field(record);
        }
        if (fast != null) {
            Object value = fast.eval(record);
            if (value != FastPath.FALLBACK) {
                return value;
            }
        }
        return fromCel(run(record));
    }

    /** The parsed tree of {@code source}, for tests of {@link FastPath}. */
    static dev.cel.common.ast.CelExpr parseForTest(String source) throws ExpressionException {
        return parse(source).getExpr();
    }

    /** What CEL's interpreter alone gives: the reference {@link FastPath} is tested against. */
    Object evaluateInterpreted(Map<String, Object> record) throws ExpressionException {
        return fromCel(run(record));
    }

    /** Same result and errors as CEL gives for a lone identifier; values already follow JSON conventions. */
    private Object field(Map<String, Object> record) throws ExpressionException {
        Object value = record.get(bareField);
        if (value == null && !record.containsKey(bareField)) {
            throw new ExpressionException("no such field '" + bareField + "'");
        }
        return value;
    }

    /** Evaluates a filter: the expression must yield bool. */
    public boolean test(Map<String, Object> record) throws ExpressionException {
        Object result = bareField != null ? field(record) : fast != null ? fast.eval(record) : FastPath.FALLBACK;
        if (result == FastPath.FALLBACK) {
            result = run(record);
        }
        if (result instanceof Boolean b) {
            return b;
        }
        throw new ExpressionException("filter must yield bool, got " + celTypeName(result));
    }

    @Override
    public String toString() {
        return source;
    }

    private Object run(Map<String, Object> record) throws ExpressionException {
        try {
            return program.eval(new RecordFields(record));
        } catch (CelEvaluationException e) {
            throw evaluationError(e);
        } catch (RuntimeException e) {
            throw new ExpressionException("evaluation failed: " + e, e);
        }
    }

    private static ExpressionException evaluationError(CelEvaluationException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof NoSuchField missing) {
                return new ExpressionException("no such field '" + missing.field + "'", e);
            }
        }
        String message = EVALUATION_ERROR_PREFIX.matcher(String.valueOf(e.getMessage())).replaceFirst("");
        if (e.getErrorCode() == CelErrorCode.OVERLOAD_NOT_FOUND) {
            String operator = ARITHMETIC.stream().filter(op -> message.contains("'" + op + "'")).findFirst().orElse(null);
            if (operator != null) {
                return new ExpressionException("no matching overload for '" + operator.charAt(1) + "': CEL arithmetic"
                        + " needs operands of one type and does not mix int and double; convert with double(x) or int(x)", e);
            }
        }
        return new ExpressionException(message.isEmpty() ? e.toString() : message, e);
    }

    /** Looks fields up as the program reads them, so only the fields it needs are converted. */
    private static final class RecordFields implements CelVariableResolver {
        private final Map<String, Object> record;

        RecordFields(Map<String, Object> record) {
            this.record = record;
        }

        @Override
        public Optional<Object> find(String name) {
            Object value = record.get(name);
            if (value == null && !record.containsKey(name)) {
                throw new NoSuchField(name);
            }
            return Optional.of(toCel(value));
        }
    }

    /** Thrown through the CEL interpreter to name the missing field; no stack trace, it is an expected outcome. */
    private static final class NoSuchField extends RuntimeException {
        final String field;

        NoSuchField(String field) {
            super("no such field '" + field + "'", null, false, false);
            this.field = field;
        }
    }

    /** JSON value → CEL value; lists and maps are copied only when an element needs converting. */
    static Object toCel(Object value) {
        if (value == null) {
            return NullValue.NULL_VALUE;
        }
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < Long.SIZE ? (Object) big.longValue() : (Object) big.doubleValue();
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.doubleValue();
        }
        if (value instanceof List<?> list) {
            return listToCel(list);
        }
        if (value instanceof Map<?, ?> map) {
            return mapToCel(map);
        }
        return value;
    }

    private static List<?> listToCel(List<?> list) {
        List<Object> copy = null;
        for (int i = 0; i < list.size(); i++) {
            Object element = list.get(i);
            Object converted = toCel(element);
            if (copy == null && converted != element) {
                copy = new ArrayList<>(list.subList(0, i));
            }
            if (copy != null) {
                copy.add(converted);
            }
        }
        return copy == null ? list : copy;
    }

    private static Map<?, ?> mapToCel(Map<?, ?> map) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (toCel(entry.getValue()) != entry.getValue()) {
                Map<Object, Object> copy = new LinkedHashMap<>();
                map.forEach((key, value) -> copy.put(key, toCel(value)));
                return copy;
            }
        }
        return map;
    }

    /** CEL value → JSON value. Timestamps and durations become strings in their protobuf JSON form, bytes base64. */
    static Object fromCel(Object value) throws ExpressionException {
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value;
        }
        if (value == null || value instanceof NullValue) {
            return null;
        }
        if (value instanceof UnsignedLong u) {
            if (u.compareTo(UnsignedLong.valueOf(Long.MAX_VALUE)) > 0) {
                throw new ExpressionException("result " + u + "u is larger than the largest int, 9223372036854775807");
            }
            return u.longValue();
        }
        if (value instanceof List<?> list) {
            List<Object> json = new ArrayList<>(list.size());
            for (Object element : list) {
                json.add(fromCel(element));
            }
            return json;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> json = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                json.put(String.valueOf(fromCel(entry.getKey())), fromCel(entry.getValue()));
            }
            return json;
        }
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        if (value instanceof Duration duration) {
            return new BigDecimal(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9))
                    .stripTrailingZeros().toPlainString() + "s";
        }
        if (value instanceof CelByteString bytes) {
            return Base64.getEncoder().encodeToString(bytes.toByteArray());
        }
        throw new ExpressionException("the result is a " + celTypeName(value) + ", which has no JSON form");
    }

    static String celTypeName(Object value) {
        if (value == null || value instanceof NullValue) {
            return "null";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof Long) {
            return "int";
        }
        if (value instanceof UnsignedLong) {
            return "uint";
        }
        if (value instanceof Double) {
            return "double";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof CelByteString) {
            return "bytes";
        }
        if (value instanceof List) {
            return "list";
        }
        if (value instanceof Map) {
            return "map";
        }
        if (value instanceof Instant) {
            return "timestamp";
        }
        if (value instanceof Duration) {
            return "duration";
        }
        if (value instanceof CelType) {
            return "type";
        }
        return value.getClass().getSimpleName();
    }
}

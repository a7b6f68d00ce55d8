package dev.weir.api.sql;

import dev.weir.api.Durations;
import dev.weir.api.StepSpec;
import dev.weir.api.StreamJobSpec;
import dev.weir.api.expr.AggregateCall;
import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import dev.weir.api.validation.SpecValidator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlIntervalLiteral;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlSelectKeyword;
import org.apache.calcite.sql.parser.SqlParserUtil;

/**
 * Translates one query into pipeline steps: WHERE → filter; a window (table function in FROM, or group window in
 * GROUP BY) with its key and aggregates → window; HAVING → filter on the window's output; a select list that is not
 * the window's output as it is → map. Without a window, the select list is a map. One instance per query.
 */
final class QueryTranslator {
    static final String WINDOW_START = "window_start";
    static final String WINDOW_END = "window_end";
    private static final String WINDOW_TIME = "window_time";
    private static final Set<String> AGGREGATES = Set.of("COUNT", "SUM", "AVG", "MIN", "MAX");
    private static final Map<String, List<String>> TABLE_FUNCTION_PARAMETERS = Map.of(
            GroupWindow.TUMBLE, List.of("DATA", "TIMECOL", "SIZE", "OFFSET"),
            GroupWindow.HOP, List.of("DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"),
            GroupWindow.SESSION, List.of("DATA", "TIMECOL", "GAP"));
    private static final String FROM_FORMS = "FROM `topic`, or FROM TABLE(TUMBLE(TABLE `topic`, DESCRIPTOR(time),"
            + " INTERVAL '10' MINUTES)) with HOP or SESSION likewise";

    private final StreamJobSpec spec;
    /** What FROM is called in the query: the table, or its alias; qualified column names start with it. */
    private final Set<String> tableNames = new HashSet<>();
    private GroupWindow window;
    /** Whether the window is a table function in FROM (window_start and window_end are then columns). */
    private boolean tableFunction;
    private SqlIdentifier sessionPartition;

    QueryTranslator(StreamJobSpec spec) {
        this.spec = spec;
    }

    List<StepSpec> translate(String sql) throws SqlException {
        SqlSelect select = select(FlinkDialect.parse(sql));
        from(select);
        RecordScope records = new RecordScope();
        List<StepSpec> steps = new ArrayList<>();
        if (select.getWhere() != null) {
            steps.add(filter(condition(select.getWhere(), new CelWriter(records), "WHERE")));
        }
        boolean grouped = select.getGroup() != null || select.getHaving() != null
                || containsAggregate(select.getSelectList());
        if (grouped || tableFunction) {
            windowed(select, records, steps);
        } else {
            LinkedHashMap<String, String> projection = projection(select.getSelectList(), new CelWriter(records));
            if (projection != null) {
                steps.add(map(projection));
            }
        }
        return steps;
    }

    // The statement and its clauses

    private static SqlSelect select(SqlNode statement) throws SqlException {
        if (statement instanceof SqlOrderBy orderBy) {
            if (orderBy.orderList != null && !orderBy.orderList.isEmpty()) {
                throw new SqlException(orderBy.orderList.getParserPosition(), "ORDER BY is not supported: a stream has"
                        + " no end to sort up to; windows are emitted as the watermark closes them");
            }
            SqlNode limit = orderBy.fetch != null ? orderBy.fetch : orderBy.offset;
            throw new SqlException(limit.getParserPosition(), "LIMIT, OFFSET and FETCH are not supported: the job"
                    + " runs over an unbounded stream; filter with WHERE or HAVING instead");
        }
        return switch (statement.getKind()) {
            case SELECT -> clauses((SqlSelect) statement);
            case UNION, INTERSECT, EXCEPT -> throw new SqlException(statement.getParserPosition(),
                    statement.getKind() + " is not supported: a job runs one SELECT over its one source");
            case WITH -> throw new SqlException(statement.getParserPosition(), "WITH is not supported: write one"
                    + " SELECT over the source");
            case INSERT -> throw new SqlException(statement.getParserPosition(), "INSERT INTO is not needed: the job"
                    + " writes its results to spec.sink; give the SELECT alone");
            default -> throw new SqlException(statement.getParserPosition(), "spec.sql holds one SELECT query, not "
                    + statement.getKind() + "; sources and sinks are spec.source and spec.sink");
        };
    }

    private static SqlSelect clauses(SqlSelect select) throws SqlException {
        if (select.isDistinct()) {
            SqlNode distinct = Objects.requireNonNull(select.getModifierNode(SqlSelectKeyword.DISTINCT));
            throw new SqlException(distinct.getParserPosition(), "SELECT DISTINCT is not supported: it would keep"
                    + " every row ever seen; to count distinct keys, GROUP BY the key in a window");
        }
        if (select.getWindowList() != null && !select.getWindowList().isEmpty()) {
            throw new SqlException(select.getWindowList().getParserPosition(), "WINDOW (named OVER windows) is not"
                    + " supported: aggregate per window with GROUP BY");
        }
        if (select.getQualify() != null) {
            throw new SqlException(select.getQualify().getParserPosition(), "QUALIFY is not supported: filter"
                    + " window results with HAVING");
        }
        if (select.getFrom() == null) {
            throw new SqlException(select.getParserPosition(), "FROM is missing: name the job's source, "
                    + FROM_FORMS);
        }
        return select;
    }

    private void from(SqlSelect select) throws SqlException {
        SqlNode from = select.getFrom();
        if (from.getKind() == SqlKind.AS) {
            SqlBasicCall as = (SqlBasicCall) from;
            if (as.operandCount() > 2) {
                throw new SqlException(as.operand(2).getParserPosition(), "column aliases in FROM are not supported:"
                        + " name columns in the select list with AS");
            }
            tableNames.add(((SqlIdentifier) as.operand(1)).getSimple());
            from = as.operand(0);
        }
        switch (from.getKind()) {
            case IDENTIFIER -> table((SqlIdentifier) from);
            case COLLECTION_TABLE -> tableFunction(((SqlBasicCall) from).operand(0));
            case JOIN -> throw new SqlException(from.getParserPosition(), "joins are not supported: a job reads one"
                    + " source; write " + FROM_FORMS);
            case SELECT, ORDER_BY, UNION, INTERSECT, EXCEPT, WITH -> throw new SqlException(from.getParserPosition(),
                    "subqueries are not supported: write one SELECT over the source, " + FROM_FORMS);
            default -> throw new SqlException(from.getParserPosition(), from.getKind() + " is not supported in FROM:"
                    + " write " + FROM_FORMS);
        }
    }

    /** The source: its topic or stream as it is, or with each character other than a letter, digit or _ as _. */
    private void table(SqlIdentifier table) throws SqlException {
        String source = spec.source == null ? null
                : spec.source.kafka != null ? spec.source.kafka.topic
                : spec.source.kinesis != null ? spec.source.kinesis.stream : null;
        String name = String.join(".", table.names);
        if (source != null && !name.equals(source) && !name.equals(tableAlias(source))) {
            throw new SqlException(table.getParserPosition(), "FROM reads the job's source, " + source + ": write FROM `"
                    + source + "`" + (tableAlias(source).equals(source) ? "" : " or FROM " + tableAlias(source))
                    + ", not " + name);
        }
        tableNames.add(name);
        tableNames.add(table.names.get(table.names.size() - 1));
    }

    private static String tableAlias(String source) {
        return source.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private void tableFunction(SqlNode node) throws SqlException {
        String name = node instanceof SqlBasicCall call ? functionName(call) : "";
        if (name.equals("CUMULATE")) {
            throw new SqlException(node.getParserPosition(), "CUMULATE windows are not supported: use TUMBLE, HOP or"
                    + " SESSION");
        }
        if (!TABLE_FUNCTION_PARAMETERS.containsKey(name)) {
            throw new SqlException(node.getParserPosition(), "TABLE(…) in FROM takes a window table function: "
                    + FROM_FORMS);
        }
        SqlBasicCall call = (SqlBasicCall) node;
        Map<String, SqlNode> arguments = arguments(call, TABLE_FUNCTION_PARAMETERS.get(name));
        if (arguments.containsKey("OFFSET")) {
            throw new SqlException(arguments.get("OFFSET").getParserPosition(), "window offsets are not supported:"
                    + " windows are aligned to the epoch");
        }
        tableArgument(call, name, arguments.get("DATA"));
        SqlNode descriptor = required(call, arguments, "TIMECOL", "DESCRIPTOR(event_time)");
        if (!(descriptor instanceof SqlBasicCall d) || !functionName(d).equals("DESCRIPTOR") || d.operandCount() != 1) {
            throw new SqlException(descriptor.getParserPosition(), "give the time column as DESCRIPTOR(column)");
        }
        String time = timeColumn(d.operand(0));
        window = switch (name) {
            case GroupWindow.TUMBLE -> new GroupWindow(name, interval(required(call, arguments, "SIZE",
                    "INTERVAL '10' MINUTES")), null, time);
            case GroupWindow.HOP -> hop(call, interval(required(call, arguments, "SLIDE", "INTERVAL '5' MINUTES")),
                    interval(required(call, arguments, "SIZE", "INTERVAL '10' MINUTES")), time);
            default -> new GroupWindow(name, interval(required(call, arguments, "GAP", "INTERVAL '5' MINUTES")),
                    null, time);
        };
        tableFunction = true;
    }

    /** A table function's arguments by parameter name, given in order or by name ({@code SIZE => …}). */
    private static Map<String, SqlNode> arguments(SqlBasicCall call, List<String> parameters) throws SqlException {
        Map<String, SqlNode> arguments = new LinkedHashMap<>();
        List<SqlNode> operands = call.getOperandList();
        for (int i = 0; i < operands.size(); i++) {
            SqlNode operand = operands.get(i);
            String parameter;
            if (operand.getKind() == SqlKind.ARGUMENT_ASSIGNMENT) {
                SqlBasicCall assignment = (SqlBasicCall) operand;
                parameter = ((SqlIdentifier) assignment.operand(1)).getSimple().toUpperCase(Locale.ROOT);
                operand = assignment.operand(0);
                if (!parameters.contains(parameter)) {
                    throw new SqlException(assignment.operand(1).getParserPosition(), functionName(call)
                            + " has no parameter " + parameter + ": its parameters are " + String.join(", ", parameters));
                }
            } else if (i < parameters.size()) {
                parameter = parameters.get(i);
            } else {
                throw new SqlException(operand.getParserPosition(), functionName(call) + " takes at most "
                        + parameters.size() + " arguments: " + String.join(", ", parameters));
            }
            arguments.put(parameter, operand);
        }
        return arguments;
    }

    private static SqlNode required(SqlBasicCall call, Map<String, SqlNode> arguments, String parameter,
                                    String example) throws SqlException {
        SqlNode argument = arguments.get(parameter);
        if (argument == null) {
            throw new SqlException(call.getParserPosition(), functionName(call) + " needs its " + parameter
                    + " argument, e.g. " + example);
        }
        return argument;
    }

    /** {@code TABLE src}, or for SESSION {@code TABLE src PARTITION BY key}. */
    private void tableArgument(SqlBasicCall call, String function, SqlNode data) throws SqlException {
        if (data == null) {
            throw new SqlException(call.getParserPosition(), function + " needs the source as its first argument,"
                    + " e.g. " + function + "(TABLE `topic`, DESCRIPTOR(event_time), …)");
        }
        SqlNode table = data;
        if (data.getKind() == SqlKind.SET_SEMANTICS_TABLE) {
            SqlBasicCall partitioned = (SqlBasicCall) data;
            table = partitioned.operand(0);
            SqlNodeList order = (SqlNodeList) partitioned.operand(2);
            if (!order.isEmpty()) {
                throw new SqlException(order.get(0).getParserPosition(), "ORDER BY inside a window table function is"
                        + " not supported: records are ordered by event time");
            }
            SqlNodeList keys = (SqlNodeList) partitioned.operand(1);
            if (!function.equals(GroupWindow.SESSION)) {
                throw new SqlException(keys.getParserPosition(), "PARTITION BY belongs to SESSION only; " + function
                        + " windows are keyed by the GROUP BY key");
            }
            if (keys.size() != 1 || !(keys.get(0) instanceof SqlIdentifier key)) {
                throw new SqlException(keys.getParserPosition(), "PARTITION BY takes one key column, the GROUP BY"
                        + " key: Weir windows are keyed by one field");
            }
            sessionPartition = key;
        }
        if (table.getKind() != SqlKind.EXPLICIT_TABLE) {
            throw new SqlException(table.getParserPosition(), "give the source as TABLE `topic`");
        }
        table((SqlIdentifier) ((SqlBasicCall) table).operand(0));
        if (function.equals(GroupWindow.SESSION) && sessionPartition == null) {
            throw new SqlException(call.getParserPosition(), "SESSION needs PARTITION BY the key, as in"
                    + " SESSION(TABLE `topic` PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '5' MINUTES): Weir's"
                    + " sessions are per key");
        }
    }

    private String timeColumn(SqlNode node) throws SqlException {
        if (!(node instanceof SqlIdentifier column) || column.isStar()) {
            throw new SqlException(node.getParserPosition(), "give the time column by name, e.g. event_time");
        }
        String name = String.join(".", unqualified(column));
        String field = spec.eventTime == null ? null : spec.eventTime.field;
        if (field == null || field.isBlank()) {
            throw new SqlException(column.getParserPosition(), "windows need event time from a record field: set"
                    + " spec.eventTime.field: " + name);
        }
        if (!name.equals(field)) {
            throw new SqlException(column.getParserPosition(), "the time column must be spec.eventTime.field ("
                    + field + "), the field the job reads event time from, not " + name);
        }
        return name;
    }

    private static GroupWindow hop(SqlNode at, Duration slide, Duration size, String time) throws SqlException {
        if (slide.compareTo(size) > 0) {
            throw new SqlException(at.getParserPosition(), "HOP's slide (" + Durations.format(slide)
                    + ") must be at most its size (" + Durations.format(size) + "): a longer slide"
                    + " leaves gaps no window covers");
        }
        return new GroupWindow(GroupWindow.HOP, size, slide, time);
    }

    private static Duration interval(SqlNode node) throws SqlException {
        if (!(node instanceof SqlIntervalLiteral literal)) {
            throw new SqlException(node.getParserPosition(), "give the length as an INTERVAL, e.g. INTERVAL '10'"
                    + " MINUTES");
        }
        SqlIntervalLiteral.IntervalValue value = literal.getValueAs(SqlIntervalLiteral.IntervalValue.class);
        if (value.getIntervalQualifier().isYearMonth()) {
            throw new SqlException(node.getParserPosition(), "months and years vary in length: give the interval in"
                    + " days, hours, minutes or seconds");
        }
        long millis = SqlParserUtil.intervalToMillis(value);
        if (millis <= 0) {
            throw new SqlException(node.getParserPosition(), "the interval must be more than zero");
        }
        return Duration.ofMillis(millis);
    }

    // Windowed queries

    private void windowed(SqlSelect select, RecordScope records, List<StepSpec> steps) throws SqlException {
        SqlIdentifier key = groupBy(select);
        WindowScope outputs = new WindowScope(String.join(".", unqualified(key)), key, records, aliases(select));
        CelWriter writer = new CelWriter(outputs);
        LinkedHashMap<String, String> projection = new LinkedHashMap<>();
        for (SqlNode item : select.getSelectList()) {
            SqlNode expression = expression(item);
            if (expression instanceof SqlIdentifier star && star.isStar()) {
                throw new SqlException(item.getParserPosition(), "SELECT * does not go with GROUP BY: list the key,"
                        + " window_start, window_end and the aggregates, each named with AS");
            }
            String name = outputName(item);
            Cel value = expression instanceof SqlBasicCall call && AGGREGATES.contains(functionName(call))
                    ? outputs.aggregate(call, name) : writer.write(expression);
            checked(value.text(), expression);
            project(projection, name, value.text(), item);
        }
        String having = null;
        if (select.getHaving() != null) {
            having = condition(select.getHaving(), writer, "HAVING");
        }
        if (outputs.aggregates.isEmpty()) {
            throw new SqlException(select.getSelectList().getParserPosition(), "a windowed query needs at least one"
                    + " aggregate: COUNT(*), COUNT(x), SUM(x), AVG(x), MIN(x) or MAX(x)");
        }
        StepSpec windowStep = new StepSpec();
        String lateness = spec.eventTime == null ? null : spec.eventTime.allowedLateness;
        windowStep.window = window.toSpec(outputs.key, lateness, outputs.aggregates);
        steps.add(windowStep);
        if (having != null) {
            steps.add(filter(having));
        }
        if (!isWindowOutput(projection, outputs)) {
            steps.add(map(projection));
        }
    }

    /** The GROUP BY key; sets the window when GROUP BY holds it. */
    private SqlIdentifier groupBy(SqlSelect select) throws SqlException {
        SqlNodeList group = select.getGroup();
        if (group == null || group.isEmpty()) {
            SqlNode at = select.getHaving() != null ? select.getHaving() : select.getSelectList();
            throw new SqlException(at.getParserPosition(), tableFunction
                    ? "a window table function needs GROUP BY window_start, window_end and a key column: Weir emits"
                    + " one record per key and window"
                    : "aggregates need a window: GROUP BY TUMBLE(time, INTERVAL …) (or HOP, SESSION) and a key"
                    + " column, or FROM a window table function; an aggregate over the whole stream never ends");
        }
        SqlIdentifier key = null;
        boolean start = false;
        boolean end = false;
        for (SqlNode item : group) {
            if (item instanceof SqlIdentifier column && !column.isStar()) {
                String name = String.join(".", unqualified(column));
                if (tableFunction && (name.equals(WINDOW_START) || name.equals(WINDOW_END))) {
                    start |= name.equals(WINDOW_START);
                    end |= name.equals(WINDOW_END);
                } else if (key != null) {
                    throw new SqlException(column.getParserPosition(), "GROUP BY takes one key column besides the"
                            + " window, and " + String.join(".", unqualified(key)) + " is it: Weir windows are keyed by"
                            + " one field (combine the columns into one field before the job)");
                } else if (unqualified(column).size() > 1) {
                    throw new SqlException(column.getParserPosition(), "the GROUP BY key must be a top-level field of"
                            + " the record, not " + name);
                } else {
                    key = column;
                }
            } else if (item instanceof SqlBasicCall call && TABLE_FUNCTION_PARAMETERS.containsKey(functionName(call))) {
                if (tableFunction) {
                    throw new SqlException(item.getParserPosition(), "the window is already the table function in"
                            + " FROM: GROUP BY window_start, window_end and the key");
                }
                if (window != null) {
                    throw new SqlException(item.getParserPosition(), "a query has one window; GROUP BY holds "
                            + window.describe() + " already");
                }
                window = groupWindow(call, functionName(call));
            } else {
                throw new SqlException(item.getParserPosition(), "GROUP BY takes the window and one key column;"
                        + " expressions, GROUPING SETS, ROLLUP and CUBE are not supported");
            }
        }
        if (window == null) {
            throw new SqlException(group.getParserPosition(), "GROUP BY without a window is an aggregation that"
                    + " never ends: add TUMBLE(time, INTERVAL …), HOP(…) or SESSION(…), or read FROM a window table"
                    + " function");
        }
        if (tableFunction && !(start && end)) {
            throw new SqlException(group.getParserPosition(), "GROUP BY needs both window_start and window_end with"
                    + " a window table function, as in Flink");
        }
        if (key == null) {
            throw new SqlException(group.getParserPosition(), "GROUP BY needs a key column: Weir windows are per key,"
                    + " e.g. GROUP BY window_start, window_end, sensor_id");
        }
        if (sessionPartition != null && !unqualified(sessionPartition).equals(unqualified(key))) {
            throw new SqlException(sessionPartition.getParserPosition(), "SESSION's PARTITION BY must be the GROUP BY"
                    + " key, " + String.join(".", unqualified(key)) + ": sessions are per key");
        }
        return key;
    }

    /**
     * {@code TUMBLE(time, size)}, {@code HOP(time, slide, size)} or {@code SESSION(time, gap)} in GROUP BY, and the
     * same arguments of {@code TUMBLE_START(…)} and the other start and end functions.
     */
    private GroupWindow groupWindow(SqlBasicCall call, String function) throws SqlException {
        int intervals = function.equals(GroupWindow.HOP) ? 2 : 1;
        if (call.operandCount() > 0 && call.operand(0).getKind() == SqlKind.EXPLICIT_TABLE) {
            throw new SqlException(call.getParserPosition(), "a window table function belongs in FROM:"
                    + " FROM TABLE(" + function + "(TABLE …)) … GROUP BY window_start, window_end, key");
        }
        if (call.operandCount() != intervals + 1) {
            throw new SqlException(call.getParserPosition(), functionName(call) + " takes the time column and "
                    + (intervals == 2 ? "the slide and size" : function.equals(GroupWindow.SESSION) ? "the gap"
                    : "the size") + " (window alignment is not supported: windows are aligned to the epoch)");
        }
        String time = timeColumn(call.operand(0));
        return intervals == 2 ? hop(call, interval(call.operand(1)), interval(call.operand(2)), time)
                : new GroupWindow(function, interval(call.operand(1)), null, time);
    }

    private static Set<String> aliases(SqlSelect select) {
        Set<String> names = new HashSet<>();
        for (SqlNode item : select.getSelectList()) {
            if (item.getKind() == SqlKind.AS) {
                names.add(((SqlIdentifier) ((SqlBasicCall) item).operand(1)).getSimple());
            }
        }
        return names;
    }

    /** Whether the select list is the window's output record as it is: key, window_start, window_end, aggregates. */
    private static boolean isWindowOutput(Map<String, String> projection, WindowScope outputs) {
        List<String> fields = new ArrayList<>(List.of(outputs.key, WINDOW_START, WINDOW_END));
        fields.addAll(outputs.aggregates.keySet());
        return new ArrayList<>(projection.keySet()).equals(fields)
                && projection.entrySet().stream().allMatch(e -> e.getKey().equals(e.getValue()));
    }

    // Select lists and conditions

    /** The map of a query without a window; null for {@code SELECT *}, which passes records on as they are. */
    private LinkedHashMap<String, String> projection(SqlNodeList items, CelWriter writer) throws SqlException {
        if (items.size() == 1 && items.get(0) instanceof SqlIdentifier star && star.isStar()) {
            return null;
        }
        LinkedHashMap<String, String> projection = new LinkedHashMap<>();
        for (SqlNode item : items) {
            SqlNode expression = expression(item);
            if (expression instanceof SqlIdentifier star && star.isStar()) {
                throw new SqlException(item.getParserPosition(), "* goes alone: SELECT * passes records on as they"
                        + " are; otherwise list the fields, since the output record has exactly the select list");
            }
            String name = outputName(item);
            String value = writer.write(expression).text();
            checked(value, expression);
            project(projection, name, value, item);
        }
        return projection;
    }

    private static SqlNode expression(SqlNode item) throws SqlException {
        if (item.getKind() != SqlKind.AS) {
            return item;
        }
        SqlBasicCall as = (SqlBasicCall) item;
        if (as.operandCount() > 2) {
            throw new SqlException(as.operand(2).getParserPosition(), "one name per column: expr AS name");
        }
        return as.operand(0);
    }

    /** The field a select item becomes: its alias, else the column's own name. */
    private static String outputName(SqlNode item) throws SqlException {
        SqlNode named = item;
        if (item.getKind() == SqlKind.AS) {
            named = ((SqlBasicCall) item).operand(1);
        } else if (!(item instanceof SqlIdentifier)) {
            throw new SqlException(item.getParserPosition(), "name this column with AS, e.g. … AS avg_temp: the"
                    + " output record has exactly the select list's names");
        }
        SqlIdentifier identifier = (SqlIdentifier) named;
        String name = identifier.names.get(identifier.names.size() - 1);
        if (!SpecValidator.isFieldName(name)) {
            throw new SqlException(named.getParserPosition(), "\"" + name + "\" cannot name an output field: use"
                    + " letters, digits and _, not starting with a digit and not a CEL keyword" + (item.getKind()
                    == SqlKind.AS ? "" : "; rename it with AS"));
        }
        return name;
    }

    private static void project(Map<String, String> projection, String name, String value, SqlNode item)
            throws SqlException {
        if (projection.putIfAbsent(name, value) != null) {
            throw new SqlException(item.getParserPosition(), "two columns are named " + name + ": give one another"
                    + " name with AS");
        }
    }

    private static String condition(SqlNode node, CelWriter writer, String clause) throws SqlException {
        String cel = writer.write(node).text();
        Expression compiled = checked(cel, node);
        if (!Set.of("bool", "dyn").contains(compiled.resultType())) {
            throw new SqlException(node.getParserPosition(), clause + " needs a condition, but this yields "
                    + compiled.resultType() + ": compare it, e.g. " + clause + " temperature > 0.0");
        }
        return cel;
    }

    /** Compiles what the translation wrote, so that what CEL refuses is reported where the SQL says it. */
    private static Expression checked(String cel, SqlNode at) throws SqlException {
        try {
            return Expression.compile(cel);
        } catch (ExpressionException e) {
            throw new SqlException(at.getParserPosition(), "this becomes the CEL expression " + cel + ", which does"
                    + " not compile: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String message) {
        return message.lines().findFirst().orElse(message).replaceFirst("^ERROR: <input>:\\d+:\\d+: ", "");
    }

    private static StepSpec filter(String condition) {
        StepSpec step = new StepSpec();
        step.filter = condition;
        return step;
    }

    private static StepSpec map(LinkedHashMap<String, String> fields) {
        StepSpec step = new StepSpec();
        step.map = fields;
        return step;
    }

    private static boolean containsAggregate(SqlNode node) {
        if (node instanceof SqlNodeList list) {
            return list.stream().anyMatch(QueryTranslator::containsAggregate);
        }
        if (node instanceof SqlCall call) {
            if (call.getKind() == SqlKind.OVER) {
                return false;
            }
            if (call instanceof SqlBasicCall basic && AGGREGATES.contains(functionName(basic))) {
                return true;
            }
            return call.getOperandList().stream().anyMatch(QueryTranslator::containsAggregate);
        }
        return false;
    }

    static String functionName(SqlCall call) {
        return call.getOperator().getName().toUpperCase(Locale.ROOT).replaceFirst("^\\$", "");
    }

    /** A column's names without the table (or its alias) in front. */
    private List<String> unqualified(SqlIdentifier column) {
        List<String> names = column.names;
        return names.size() > 1 && tableNames.contains(names.get(0)) ? names.subList(1, names.size()) : names;
    }

    // Scopes

    /** The fields of a source record: what WHERE, select lists without a window and aggregate arguments read. */
    private final class RecordScope implements Scope {
        @Override
        public Cel column(SqlIdentifier column) throws SqlException {
            if (column.isStar()) {
                throw new SqlException(column.getParserPosition(), "* is not an expression: name the fields");
            }
            List<String> names = unqualified(column);
            String first = names.get(0);
            if (tableFunction && Set.of(WINDOW_START, WINDOW_END, WINDOW_TIME).contains(first)) {
                throw new SqlException(column.getParserPosition(), first + " exists once the window closes: filter"
                        + " on it in HAVING, or on the time column in WHERE");
            }
            if (!SpecValidator.isFieldName(first)) {
                throw new SqlException(column.getParserPosition(), "the field " + first + " cannot be read by an"
                        + " expression: expressions read fields named with letters, digits and _, not starting with a"
                        + " digit and not a CEL keyword");
            }
            StringBuilder cel = new StringBuilder(first);
            for (String name : names.subList(1, names.size())) {
                cel.append(SpecValidator.isFieldName(name) ? "." + name : "[" + Cel.string(name).text() + "]");
            }
            return Cel.primary(cel.toString());
        }

        @Override
        public Cel call(SqlBasicCall call, String name) throws SqlException {
            if (AGGREGATES.contains(name)) {
                throw new SqlException(call.getParserPosition(), name + " is an aggregate: aggregates go in the select"
                        + " list or HAVING of a query grouped by a window, not in WHERE or in their own arguments");
            }
            if (name.matches("(TUMBLE|HOP|SESSION)_(START|END|ROWTIME|PROCTIME)")) {
                throw new SqlException(call.getParserPosition(), name + " belongs in the select list or HAVING of a"
                        + " query grouped by " + name.substring(0, name.indexOf('_')) + "(…)");
            }
            return null;
        }
    }

    /** The fields of a window's output record: the key, window_start, window_end and the aggregates. */
    private final class WindowScope implements Scope {
        final String key;
        private final SqlIdentifier keyColumn;
        private final CelWriter arguments;
        private final Set<String> aliases;
        final LinkedHashMap<String, String> aggregates = new LinkedHashMap<>();

        WindowScope(String key, SqlIdentifier keyColumn, RecordScope records, Set<String> aliases) {
            this.key = key;
            this.keyColumn = keyColumn;
            this.arguments = new CelWriter(records);
            this.aliases = aliases;
        }

        @Override
        public Cel column(SqlIdentifier column) throws SqlException {
            String name = String.join(".", unqualified(column));
            if (name.equals(key)) {
                if (!SpecValidator.isFieldName(key)) {
                    throw new SqlException(keyColumn.getParserPosition(), "the key " + key + " cannot be read by an"
                            + " expression after the window: key fields read there are named with letters, digits"
                            + " and _");
                }
                return Cel.primary(key);
            }
            if (tableFunction && (name.equals(WINDOW_START) || name.equals(WINDOW_END))) {
                return Cel.primary(name);
            }
            if (name.equals(WINDOW_TIME)) {
                throw new SqlException(column.getParserPosition(), "window_time is not supported: use window_end");
            }
            if (!tableFunction && (name.equals(WINDOW_START) || name.equals(WINDOW_END))) {
                throw new SqlException(column.getParserPosition(), name + " is a column of window table functions;"
                        + " with GROUP BY " + window.function() + "(…) write " + window.function()
                        + name.substring("window".length()).toUpperCase(Locale.ROOT) + "(…)");
            }
            throw new SqlException(column.getParserPosition(), name + " is neither the GROUP BY key nor inside an"
                    + " aggregate: group by it as the key, or aggregate it, e.g. MAX(" + name + ")");
        }

        @Override
        public Cel call(SqlBasicCall call, String name) throws SqlException {
            if (AGGREGATES.contains(name)) {
                return aggregate(call, null);
            }
            if (name.matches("(TUMBLE|HOP|SESSION)_(ROWTIME|PROCTIME)")) {
                throw new SqlException(call.getParserPosition(), name + " is not supported: use "
                        + name.replaceFirst("_.*", "_END") + " (the window's end)");
            }
            if (name.matches("(TUMBLE|HOP|SESSION)_(START|END)")) {
                String function = name.substring(0, name.indexOf('_'));
                if (tableFunction || !function.equals(window.function())
                        || !groupWindow(call, function).equals(window)) {
                    throw new SqlException(call.getParserPosition(), name + "(…) must repeat the window of GROUP BY"
                            + (tableFunction ? ", which is a table function here: use window_start and window_end"
                            : ", " + window.describe()));
                }
                return Cel.primary(name.endsWith("_START") ? WINDOW_START : WINDOW_END);
            }
            return null;
        }

        /** Adds the aggregate (once, however often it is written) and gives the output field that holds it. */
        Cel aggregate(SqlBasicCall call, String preferredName) throws SqlException {
            String function = functionName(call);
            if (call.getFunctionQuantifier() != null) {
                throw new SqlException(call.getFunctionQuantifier().getParserPosition(), function + "("
                        + call.getFunctionQuantifier() + " …) is not supported: aggregates take every record of the"
                        + " window");
            }
            String argument;
            if (function.equals("COUNT") && call.operandCount() == 1 && call.operand(0) instanceof SqlIdentifier star
                    && star.isStar()) {
                argument = "";
            } else if (call.operandCount() == 1) {
                argument = arguments.write(call.operand(0)).text();
            } else {
                throw new SqlException(call.getParserPosition(), function + " takes one argument"
                        + (function.equals("COUNT") ? ", or *" : ""));
            }
            String text = function.toLowerCase(Locale.ROOT) + "(" + argument + ")";
            try {
                AggregateCall.parse(text);
            } catch (ExpressionException e) {
                throw new SqlException(call.getParserPosition(), "this becomes the aggregate " + text + ", which"
                        + " does not compile: " + firstLine(e.getMessage()));
            }
            for (Map.Entry<String, String> existing : aggregates.entrySet()) {
                if (existing.getValue().equals(text)) {
                    return Cel.primary(existing.getKey());
                }
            }
            String name = preferredName != null && !aggregates.containsKey(preferredName)
                    && !Set.of(key, WINDOW_START, WINDOW_END).contains(preferredName) ? preferredName : hiddenName();
            aggregates.put(name, text);
            return Cel.primary(name);
        }

        /** A name for an aggregate the select list does not show as it is: one no column and no aggregate has. */
        private String hiddenName() {
            for (int i = 1; ; i++) {
                String name = "_agg" + i;
                if (!aggregates.containsKey(name) && !aliases.contains(name) && !name.equals(key)) {
                    return name;
                }
            }
        }
    }
}

package dev.weir.api.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.weir.api.EventTimeSpec;
import dev.weir.api.SourceSpec;
import dev.weir.api.StepSpec;
import dev.weir.api.StreamJobSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * spec.sql to pipeline steps: every construct of the subset, shown as the YAML pipeline it becomes, and every
 * refusal with its line and column. A refusal's expected position is where the marker text first occurs in the query.
 */
class SqlPipelineTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.SPLIT_LINES));

    private static StreamJobSpec spec(String sql) {
        StreamJobSpec spec = new StreamJobSpec();
        spec.source = new SourceSpec();
        spec.source.kafka = new SourceSpec.KafkaSource();
        spec.source.kafka.bootstrapServers = "kafka:9092";
        spec.source.kafka.topic = "sensor-readings";
        spec.eventTime = new EventTimeSpec();
        spec.eventTime.field = "event_time";
        spec.sql = sql;
        return spec;
    }

    private static String pipeline(String sql) throws Exception {
        return pipeline(spec(sql));
    }

    private static String pipeline(StreamJobSpec spec) throws Exception {
        List<StepSpec> steps = SqlPipeline.translate(spec);
        return YAML.writeValueAsString(steps).strip();
    }

    private static void assertPipeline(String expectedYaml, String sql) throws Exception {
        assertEquals(expectedYaml.strip(), pipeline(sql));
    }

    /**
     * Refused at the first occurrence of {@code marker} (at its | when it has one), with a message containing
     * {@code says}.
     */
    private static void assertRefused(String sql, String marker, String says) {
        assertRefused(spec(sql), marker, says);
    }

    private static void assertRefused(StreamJobSpec spec, String marker, String says) {
        SqlException refused = assertThrows(SqlException.class, () -> SqlPipeline.translate(spec),
                () -> "expected a refusal of " + spec.sql);
        int offset = spec.sql.indexOf(marker.replace("|", "")) + Math.max(marker.indexOf('|'), 0);
        assertTrue(spec.sql.contains(marker.replace("|", "")), "the marker is in the query");
        String before = spec.sql.substring(0, offset);
        int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
        int column = offset - before.lastIndexOf('\n');
        assertEquals("line " + line + ", column " + column, "line " + refused.line() + ", column " + refused.column(),
                refused.getMessage());
        assertTrue(refused.getMessage().contains(says), refused.getMessage());
    }

    // Windows

    @Test
    void theIssuesQuery_groupByTumble_withTumbleStart() throws Exception {
        assertPipeline("""
                - window:
                    keyBy: sensor_id
                    tumbling: 1h
                    aggregate:
                      avg_temp: avg(temperature)
                      max_temp: max(temperature)
                      min_temp: min(temperature)
                - map:
                    sensor_id: sensor_id
                    window_start: window_start
                    avg_temp: avg_temp
                    max_temp: max_temp
                    min_temp: min_temp
                """, """
                SELECT sensor_id,
                       TUMBLE_START(event_time, INTERVAL '1' HOUR) AS window_start,
                       AVG(temperature) AS avg_temp, MAX(temperature) AS max_temp, MIN(temperature) AS min_temp
                FROM sensor_readings
                GROUP BY TUMBLE(event_time, INTERVAL '1' HOUR), sensor_id
                """);
    }

    @Test
    void tumbleTableFunction_selectingTheWindowOutputAsItIs_isOneWindowStep() throws Exception {
        assertPipeline("""
                - window:
                    keyBy: sensor_id
                    tumbling: 10m
                    aggregate:
                      readings: count()
                      avg_c: avg((double(temperature) - 32.0) * 5.0 / 9.0)
                """, """
                SELECT sensor_id, window_start, window_end, COUNT(*) AS readings,
                       AVG((CAST(temperature AS DOUBLE) - 32.0) * 5.0 / 9.0) AS avg_c
                FROM TABLE(TUMBLE(TABLE `sensor-readings`, DESCRIPTOR(event_time), INTERVAL '10' MINUTES))
                GROUP BY window_start, window_end, sensor_id
                """);
    }

    @Test
    void hopTableFunction_namedArguments_andTheSlideBeforeTheSize() throws Exception {
        assertPipeline("""
                - window:
                    keyBy: card
                    hopping:
                      size: 10m
                      advance: 5m
                    aggregate:
                      failures: count()
                """, """
                SELECT card, window_start, window_end, COUNT(*) AS failures
                FROM TABLE(HOP(DATA => TABLE sensor_readings, TIMECOL => DESCRIPTOR(event_time),
                               SLIDE => INTERVAL '5' MINUTES, SIZE => INTERVAL '10' MINUTES))
                GROUP BY window_start, window_end, card
                """);
    }

    @Test
    void groupByHop_withHopStartAndEnd() throws Exception {
        assertPipeline("""
                - window:
                    keyBy: card
                    hopping:
                      size: 1h30m
                      advance: 30s
                    aggregate:
                      hits: count()
                """, """
                SELECT card, HOP_START(event_time, INTERVAL '30' SECOND, INTERVAL '1:30' HOUR TO MINUTE) AS window_start,
                       HOP_END(event_time, INTERVAL '30' SECOND, INTERVAL '1:30' HOUR TO MINUTE) AS window_end,
                       COUNT(*) AS hits
                FROM sensor_readings
                GROUP BY HOP(event_time, INTERVAL '30' SECOND, INTERVAL '1:30' HOUR TO MINUTE), card
                """);
    }

    @Test
    void sessionTableFunction_partitionedByTheKey_andLegacySession() throws Exception {
        String expected = """
                - filter: action != 'heartbeat'
                - window:
                    keyBy: user
                    session:
                      gap: 5m
                    aggregate:
                      clicks: count()
                      dwell_ms: sum(dwell_ms)
                """;
        assertPipeline(expected, """
                SELECT `user`, window_start, window_end, COUNT(*) AS clicks, SUM(dwell_ms) AS dwell_ms
                FROM TABLE(SESSION(TABLE sensor_readings PARTITION BY `user`, DESCRIPTOR(event_time), INTERVAL '5' MINUTES))
                WHERE action <> 'heartbeat'
                GROUP BY window_start, window_end, `user`
                """);
        assertPipeline(expected, """
                SELECT `user`, SESSION_START(event_time, INTERVAL '5' MINUTE) AS window_start,
                       SESSION_END(event_time, INTERVAL '5' MINUTE) AS window_end, COUNT(*) AS clicks,
                       SUM(dwell_ms) AS dwell_ms
                FROM sensor_readings
                WHERE action <> 'heartbeat'
                GROUP BY SESSION(event_time, INTERVAL '5' MINUTE), `user`
                """);
    }

    @Test
    void havingFiltersTheWindowOutput_withAHiddenAggregateDroppedByTheMap() throws Exception {
        assertPipeline("""
                - filter: status == 'failed'
                - window:
                    keyBy: card
                    tumbling: 10m
                    aggregate:
                      failures: count()
                      _agg1: sum(amount)
                - filter: failures >= 3 && _agg1 > 100.0
                - map:
                    card: card
                    window_start: window_start
                    window_end: window_end
                    failures: failures
                """, """
                SELECT card, window_start, window_end, COUNT(*) AS failures
                FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '10' MINUTES))
                WHERE status = 'failed'
                GROUP BY window_start, window_end, card
                HAVING COUNT(*) >= 3 AND SUM(amount) > 100.0
                """);
    }

    @Test
    void selectExpressionsOverAggregatesAndTheKey_becomeAMapAfterTheWindow() throws Exception {
        assertPipeline("""
                - window:
                    keyBy: category
                    hopping:
                      size: 10m
                      advance: 5m
                    aggregate:
                      score: "sum(action == 'share' ? dyn(5) : action == 'comment' ? dyn(3) : action == 'like' ? dyn(1) : null)"
                      _agg1: count()
                - map:
                    topic: category
                    window_end: window_end
                    score: score
                    per_event: double(score) / double(_agg1)
                    hot: "score > 100 ? 'hot' : 'warm'"
                """, """
                SELECT category AS topic, window_end,
                       SUM(CASE action WHEN 'share' THEN 5 WHEN 'comment' THEN 3 WHEN 'like' THEN 1 END) AS score,
                       CAST(SUM(CASE action WHEN 'share' THEN 5 WHEN 'comment' THEN 3 WHEN 'like' THEN 1 END) AS DOUBLE)
                           / CAST(COUNT(*) AS DOUBLE) AS per_event,
                       CASE WHEN SUM(CASE action WHEN 'share' THEN 5 WHEN 'comment' THEN 3 WHEN 'like' THEN 1 END) > 100
                            THEN 'hot' ELSE 'warm' END AS hot
                FROM TABLE(HOP(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
                GROUP BY window_start, window_end, category
                """);
    }

    @Test
    void aRenamedKeyAndAnOmittedWindowEnd_becomeAMap() throws Exception {
        assertPipeline("""
                - window:
                    keyBy: sensor_id
                    tumbling: 30s
                    aggregate:
                      readings: count(temperature)
                - map:
                    sensor: sensor_id
                    window_start: window_start
                    readings: readings
                """, """
                SELECT r.sensor_id AS sensor, window_start, COUNT(temperature) AS readings
                FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '30' SECONDS)) AS r
                GROUP BY window_start, window_end, r.sensor_id
                """);
    }

    @Test
    void theJobsAllowedLatenessIsEveryWindowsOwn() throws Exception {
        StreamJobSpec spec = spec("""
                SELECT k, window_start, window_end, COUNT(*) AS n
                FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
                GROUP BY window_start, window_end, k
                """);
        spec.eventTime.allowedLateness = "30s";
        assertTrue(pipeline(spec).contains("allowedLateness: 30s"), pipeline(spec));
    }

    // Queries without a window

    @Test
    void selectStarWhere_isOneFilter() throws Exception {
        assertPipeline("- filter: temperature > -50.0", "SELECT * FROM `sensor-readings` WHERE temperature > -50.0");
    }

    @Test
    void aSelectList_isAMapOfExactlyItsColumns() throws Exception {
        assertPipeline("""
                - filter: temperature > -50.0
                - map:
                    sensor_id: sensor_id
                    temp_c: (double(temperature) - 32.0) * 5.0 / 9.0
                    site: location.site
                """, """
                SELECT r.sensor_id, (CAST(temperature AS DOUBLE) - 32.0) * 5.0 / 9.0 AS temp_c, r.location.site
                FROM sensor_readings AS r
                WHERE r.temperature > -50.0
                """);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " :: ", quoteCharacter = '"', value = {
            "a = 1 AND b <> 'x' OR NOT c :: a == 1 && b != 'x' || !c",
            "(a OR b) AND c :: (a || b) && c",
            "NOT (a = 1) :: !(a == 1)",
            "a - (b - c) = a - b - c :: a - (b - c) == a - b - c",
            "a * (b + 2) / 4 % 3 > 1.5e1 :: a * (b + 2) / 4 % 3 > 15.0",
            "-a < +b :: -a < b",
            "a IS NULL OR b IS NOT NULL :: a == null || b != null",
            "a IS TRUE AND b IS NOT FALSE :: a == true && b != false",
            "a BETWEEN 1 AND 10 :: a >= 1 && a <= 10",
            "a NOT BETWEEN 1 AND 10 :: !(a >= 1 && a <= 10)",
            "a IN ('x', 'y') AND b NOT IN (1, 2) :: a in ['x', 'y'] && !(b in [1, 2])",
            "path LIKE '/api/%.json' AND c NOT LIKE 'a_' :: path.matches('^(?s)/api/.*\\\\.json$') && !c.matches('^(?s)a.$')",
            "CAST(a AS BIGINT) + CAST(b AS INT) > 0 :: int(a) + int(b) > 0",
            "CAST(a AS STRING) || CAST(b AS VARCHAR) = 'x1' :: string(a) + string(b) == 'x1'",
            "CAST(flag AS BOOLEAN) :: bool(flag)",
            "COALESCE(a, b, 0) > 1 :: (a != null ? a : b != null ? b : 0) > 1",
            "CASE WHEN a > 1 THEN 1 WHEN a > 0 THEN 0.5 END = 1 :: (a > 1 ? dyn(1) : a > 0 ? dyn(0.5) : null) == 1",
            "CASE a WHEN 1 THEN 'one' ELSE 'more' END = 'one' :: (a == 1 ? 'one' : 'more') == 'one'",
            "CHAR_LENGTH(name) > 3 :: size(name) > 3",
            "`user` = 'it''s' AND `type` = 'click' :: user == 'it\\'s' && type == 'click'",
            "payload.`amount-usd` > 0 :: payload['amount-usd'] > 0",
            "CASE WHEN a > 1 THEN true ELSE b END :: a > 1 ? true : b",
            "a = TRUE AND b IS NULL = FALSE :: a == true && (b == null) == false",
    })
    void expressionsBecomeCel(String sql, String cel) throws Exception {
        assertEquals(List.of(cel), SqlPipeline.translate(spec("SELECT * FROM sensor_readings WHERE " + sql)).stream()
                .map(step -> step.filter).toList());
    }

    // Refusals

    static Stream<Arguments> refusals() {
        String tumble = "FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))";
        return Stream.of(
                // outside the subset
                refusal("SELECT a FROM sensor_readings JOIN other ON a = b", "JOIN", "joins are not supported"),
                refusal("SELECT a FROM (SELECT a FROM sensor_readings)", "(|SELECT", "subqueries are not supported"),
                refusal("SELECT a FROM sensor_readings WHERE a IN (SELECT b FROM x)", "SELECT b", "not a subquery"),
                refusal("SELECT a FROM sensor_readings WHERE EXISTS (SELECT b FROM x)", "EXISTS",
                        "subqueries are not supported"),
                refusal("SELECT a FROM sensor_readings WHERE a > (SELECT MAX(b) FROM x)", "|(SELECT MAX",
                        "subqueries are not supported"),
                refusal("SELECT a FROM sensor_readings ORDER BY a", "ORDER", "ORDER BY is not supported"),
                refusal("SELECT a FROM sensor_readings LIMIT 10", "10", "LIMIT, OFFSET and FETCH"),
                refusal("SELECT a FROM sensor_readings UNION ALL SELECT a FROM sensor_readings", "SELECT",
                        "UNION is not supported"),
                refusal("WITH t AS (SELECT a FROM sensor_readings) SELECT a FROM t", "WITH", "WITH is not supported"),
                refusal("INSERT INTO sink SELECT a FROM sensor_readings", "INSERT", "INSERT INTO is not needed"),
                refusal("SELECT DISTINCT a FROM sensor_readings", "DISTINCT", "SELECT DISTINCT is not supported"),
                refusal("SELECT a, SUM(b) OVER (PARTITION BY a) AS s FROM sensor_readings", "SUM",
                        "OVER (per-row running aggregates) is not supported"),
                refusal("SELECT UPPER(a) AS u FROM sensor_readings", "UPPER", "UPPER is not supported"),
                refusal("SELECT a FROM sensor_readings WHERE a != 1", "!=", "Bang equal '!=' is not allowed"),
                refusal("SELECT a FROM sensor_readings\nWHERE a =\n  ", "=", "Encountered \"= <EOF>\": this is not valid SQL here"),
                refusal("SELECT a FROM sensor_readings WHERE CAST(a AS TIMESTAMP) > 0", "TIMESTAMP",
                        "CAST to TIMESTAMP is not supported"),
                refusal("SELECT a FROM sensor_readings WHERE a LIKE b", "b", "LIKE needs a string literal"),
                refusal("SELECT a FROM sensor_readings WHERE a > TIMESTAMP '2024-05-01 00:00:00'", "TIMESTAMP",
                        "TIMESTAMP literals are not supported"),
                refusal("SELECT a FROM sensor_readings WHERE a BETWEEN SYMMETRIC 1 AND 2", "a BETWEEN",
                        "BETWEEN SYMMETRIC"),
                // the source and the event time
                refusal("SELECT a FROM readings", "readings", "FROM reads the job's source, sensor-readings:"
                        + " write FROM `sensor-readings` or FROM sensor_readings, not readings"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(ts),"
                        + " INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k", "ts",
                        "the time column must be spec.eventTime.field (event_time)"),
                refusal("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), k",
                        "ts", "the time column must be spec.eventTime.field"),
                // windows
                refusal("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY k", "GROUP BY", "never ends"),
                refusal("SELECT COUNT(*) AS n FROM sensor_readings", "COUNT", "aggregates need a window"),
                refusal("SELECT k, window_start " + tumble, "k,", "needs GROUP BY window_start, window_end and a key"),
                refusal("SELECT k, COUNT(*) AS n " + tumble + " GROUP BY window_start, k", "GROUP BY",
                        "needs both window_start and window_end"),
                refusal("SELECT COUNT(*) AS n " + tumble + " GROUP BY window_start, window_end", "GROUP BY",
                        "GROUP BY needs a key column"),
                refusal("SELECT a, b, COUNT(*) AS n " + tumble + " GROUP BY window_start, window_end, a, b", ", a, |b",
                        "GROUP BY takes one key column besides the window, and a is it"),
                refusal("SELECT k, COUNT(*) AS n " + tumble + " GROUP BY window_start, window_end, ROLLUP(k)", "ROLLUP",
                        "GROUP BY takes the window and one key column"),
                refusal("SELECT k, v, COUNT(*) AS n " + tumble + " GROUP BY window_start, window_end, k", "v,",
                        "v is neither the GROUP BY key nor inside an aggregate: group by it as the key, or aggregate"
                                + " it, e.g. MAX(v)"),
                refusal("SELECT k, COUNT(*) " + tumble + " GROUP BY window_start, window_end, k", "COUNT",
                        "name this column with AS"),
                refusal("SELECT k, COUNT(DISTINCT v) AS n " + tumble + " GROUP BY window_start, window_end, k",
                        "DISTINCT", "COUNT(DISTINCT …) is not supported"),
                refusal("SELECT k, STDDEV_POP(v) AS n " + tumble + " GROUP BY window_start, window_end, k",
                        "STDDEV_POP", "STDDEV_POP is not supported"),
                refusal("SELECT k, COUNT(*) FILTER (WHERE v > 1) AS n " + tumble
                        + " GROUP BY window_start, window_end, k", "COUNT", "FILTER (WHERE …) on an aggregate"),
                refusal("SELECT k, SUM(MAX(v)) AS n " + tumble + " GROUP BY window_start, window_end, k", "MAX",
                        "MAX is an aggregate"),
                refusal("SELECT k, COUNT(*) AS n " + tumble + " WHERE COUNT(*) > 1 GROUP BY window_start,"
                        + " window_end, k", "COUNT(*) >", "COUNT is an aggregate"),
                refusal("SELECT k, COUNT(*) AS n " + tumble + " WHERE window_start > 0 GROUP BY window_start,"
                        + " window_end, k", "window_start >", "window_start exists once the window closes"),
                refusal("SELECT k, window_time, COUNT(*) AS n " + tumble + " GROUP BY window_start, window_end, k",
                        "window_time", "window_time is not supported"),
                refusal("SELECT * " + tumble + " GROUP BY window_start, window_end, k", "*",
                        "SELECT * does not go with GROUP BY"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(CUMULATE(TABLE sensor_readings, DESCRIPTOR(event_time),"
                        + " INTERVAL '1' MINUTE, INTERVAL '1' HOUR)) GROUP BY window_start, window_end, k", "CUMULATE",
                        "CUMULATE windows are not supported"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE sensor_readings, DESCRIPTOR(event_time),"
                        + " INTERVAL '1' MINUTE, INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k",
                        "INTERVAL '10'", "window offsets are not supported"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(SESSION(TABLE sensor_readings, DESCRIPTOR(event_time),"
                        + " INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k", "SESSION",
                        "SESSION needs PARTITION BY the key"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(SESSION(TABLE sensor_readings PARTITION BY j,"
                        + " DESCRIPTOR(event_time), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k", "j,",
                        "SESSION's PARTITION BY must be the GROUP BY key, k"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(HOP(TABLE sensor_readings, DESCRIPTOR(event_time),"
                        + " INTERVAL '10' MINUTE, INTERVAL '5' MINUTE)) GROUP BY window_start, window_end, k", "HOP",
                        "HOP's slide (10m) must be at most its size (5m)"),
                refusal("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(event_time, INTERVAL '1' MONTH),"
                        + " k", "INTERVAL", "months and years vary in length"),
                refusal("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(event_time, INTERVAL '0'"
                        + " MINUTE), k", "INTERVAL", "the interval must be more than zero"),
                refusal("SELECT k, TUMBLE_START(event_time, INTERVAL '5' MINUTE) AS s, COUNT(*) AS n FROM"
                        + " sensor_readings GROUP BY TUMBLE(event_time, INTERVAL '1' MINUTE), k", "TUMBLE_START",
                        "TUMBLE_START(…) must repeat the window of GROUP BY, TUMBLE(event_time, 1m)"),
                refusal("SELECT k, window_start AS s, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(event_time,"
                        + " INTERVAL '1' MINUTE), k", "window_start", "write TUMBLE_START(…)"),
                refusal("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(event_time, INTERVAL '1'"
                        + " MINUTE), HOP(event_time, INTERVAL '1' MINUTE, INTERVAL '2' MINUTE), k", "HOP",
                        "a query has one window"),
                refusal("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(event_time, INTERVAL '1' MINUTE,"
                        + " TIME '00:00:30'), k", "TUMBLE", "window alignment is not supported"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE sensor_readings PARTITION BY k,"
                        + " DESCRIPTOR(event_time), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k",
                        "k, DESCRIPTOR", "PARTITION BY belongs to SESSION only"),
                refusal("SELECT k, COUNT(*) AS n FROM TABLE(TUMBLE(DATA => TABLE sensor_readings, TIMECOL =>"
                        + " DESCRIPTOR(event_time), WIDTH => INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k",
                        "WIDTH", "TUMBLE has no parameter WIDTH: its parameters are DATA, TIMECOL, SIZE, OFFSET"),
                refusal("SELECT k, TUMBLE_ROWTIME(event_time, INTERVAL '1' MINUTE) AS t, COUNT(*) AS n FROM"
                        + " sensor_readings GROUP BY TUMBLE(event_time, INTERVAL '1' MINUTE), k", "TUMBLE_ROWTIME",
                        "TUMBLE_ROWTIME is not supported: use TUMBLE_END"),
                refusal("SELECT a FROM sensor_readings HAVING a > 1", "a > 1", "aggregates need a window"),
                refusal("SELECT 1 AS x", "SELECT", "FROM is missing"),
                refusal("SELECT a FROM sensor_readings WHERE a LIKE 'x!%' ESCAPE '!'", "'!'",
                        "LIKE … ESCAPE is not supported"),
                // names
                refusal("SELECT a + 1 FROM sensor_readings", "a + 1", "name this column with AS"),
                refusal("SELECT a, b AS a FROM sensor_readings", "b AS a", "two columns are named a"),
                refusal("SELECT a AS `for` FROM sensor_readings", "`for`", "\"for\" cannot name an output field"),
                refusal("SELECT `int` + 1 AS x FROM sensor_readings", "`int`", "does not compile"),
                refusal("SELECT * FROM sensor_readings WHERE a + 1", "a + 1", "WHERE needs a condition, but this"
                        + " yields int"),
                refusal("SELECT *, a AS b FROM sensor_readings", "*", "* goes alone"),
                refusal("SELECT a FROM sensor_readings WHERE `event-type` = 'x'", "`event-type`",
                        "the field event-type cannot be read by an expression"));
    }

    private static Arguments refusal(String sql, String marker, String says) {
        return Arguments.of(sql, marker, says);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedWithItsPosition(String sql, String marker, String says) {
        assertRefused(sql, marker, says);
    }

    @Test
    void windowsNeedAnEventTimeField() {
        StreamJobSpec spec = spec("SELECT k, COUNT(*) AS n FROM sensor_readings GROUP BY TUMBLE(`ts`, INTERVAL '1'"
                + " MINUTE), k");
        spec.eventTime = null;
        assertRefused(spec, "`ts`", "windows need event time from a record field: set spec.eventTime.field: ts");
    }
}

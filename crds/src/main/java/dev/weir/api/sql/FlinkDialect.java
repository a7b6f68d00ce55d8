package dev.weir.api.sql;

import org.apache.calcite.config.Lex;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql.validate.SqlDelegatingConformance;

/**
 * Calcite's SQL parser set to Flink SQL's lexical rules: identifiers quoted with backticks, kept as written and
 * case-sensitive, keywords in any case; {@code %} for the remainder, {@code <>} (not {@code !=}) for inequality, and
 * plural time units ({@code INTERVAL '10' MINUTES}), which Flink's own grammar accepts.
 */
final class FlinkDialect {
    private static final SqlParser.Config CONFIG = SqlParser.config()
            .withLex(Lex.JAVA)
            .withIdentifierMaxLength(256)
            .withConformance(new SqlDelegatingConformance(SqlConformanceEnum.DEFAULT) {
                @Override
                public boolean isPercentRemainderAllowed() {
                    return true;
                }

                @Override
                public boolean allowPluralTimeUnits() {
                    return true;
                }
            });

    private FlinkDialect() {
    }

    /** Parses one statement; a syntax error is one line with its position. */
    static SqlNode parse(String sql) throws SqlException {
        try {
            return SqlParser.create(sql, CONFIG).parseStmt();
        } catch (SqlParseException e) {
            SqlParserPos position = e.getPos() == null ? SqlParserPos.ZERO : e.getPos();
            throw new SqlException(position, syntaxProblem(e));
        }
    }

    /** Calcite's message without its position (reported apart) and without the list of every token it expected. */
    private static String syntaxProblem(SqlParseException e) {
        String first = e.getMessage().lines().findFirst().orElse("").strip();
        first = first.replaceFirst(" at line \\d+, column \\d+\\.?$", "").replaceFirst("\\.$", "");
        return first.startsWith("Encountered") ? first + ": this is not valid SQL here; check the query against"
                + " docs/sql.md" : first;
    }
}

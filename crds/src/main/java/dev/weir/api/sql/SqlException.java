package dev.weir.api.sql;

import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * A query Weir does not run: the line and column in the SQL text where the problem starts, what is wrong and what
 * to write instead. {@link #getMessage()} is {@code line L, column C: problem}.
 */
public final class SqlException extends Exception {
    private final int line;
    private final int column;

    SqlException(int line, int column, String problem) {
        super("line " + line + ", column " + column + ": " + problem);
        this.line = line;
        this.column = column;
    }

    SqlException(SqlParserPos position, String problem) {
        this(Math.max(position.getLineNum(), 1), Math.max(position.getColumnNum(), 1), problem);
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}

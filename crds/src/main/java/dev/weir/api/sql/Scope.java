package dev.weir.api.sql;

import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlIdentifier;

/** What the names in an expression refer to: the fields of a source record, or those of a window's output record. */
interface Scope {
    /** The CEL that reads {@code column}; a positioned refusal when the column cannot be read here. */
    Cel column(SqlIdentifier column) throws SqlException;

    /**
     * The CEL for a call that only this scope gives a meaning, such as an aggregate or {@code TUMBLE_START}; null when
     * {@code name} (the function's name in upper case) is none of those.
     */
    Cel call(SqlBasicCall call, String name) throws SqlException;
}

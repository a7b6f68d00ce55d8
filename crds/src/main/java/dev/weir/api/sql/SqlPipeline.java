package dev.weir.api.sql;

import dev.weir.api.StepSpec;
import dev.weir.api.StreamJobSpec;
import java.util.List;

/**
 * A job's {@code spec.sql} as the pipeline steps it stands for. The steps are those a YAML pipeline would have, so
 * validation, compilation and every engine treat a SQL job as the YAML job it translates to (docs/sql.md).
 */
public final class SqlPipeline {
    private SqlPipeline() {
    }

    /**
     * The steps of {@code spec.sql}; refused with the line and column of the SQL when the query is outside Weir's
     * subset, or does not fit the rest of the spec (FROM must name the source, windows read spec.eventTime.field).
     */
    public static List<StepSpec> translate(StreamJobSpec spec) throws SqlException {
        return List.copyOf(new QueryTranslator(spec).translate(spec.sql));
    }

    /** The steps a job runs: {@code spec.pipeline}, or what {@code spec.sql} translates to; for validated specs. */
    public static List<StepSpec> steps(StreamJobSpec spec) {
        if (spec.sql == null) {
            return spec.pipeline == null ? List.of() : spec.pipeline;
        }
        try {
            return translate(spec);
        } catch (SqlException e) {
            throw new IllegalArgumentException("spec was not validated: spec.sql: " + e.getMessage(), e);
        }
    }
}

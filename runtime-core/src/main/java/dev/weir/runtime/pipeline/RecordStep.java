package dev.weir.runtime.pipeline;

import dev.weir.api.expr.Expression;
import dev.weir.api.expr.ExpressionException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A per-record step of the pipeline: filter or map. */
public sealed interface RecordStep {

    /** @return the record to pass on, or null when the step drops it */
    Map<String, Object> apply(Map<String, Object> record) throws RecordRejected;

    record Filter(String field, Expression condition) implements RecordStep {
        @Override
        public Map<String, Object> apply(Map<String, Object> record) throws RecordRejected {
            try {
                return condition.test(record) ? record : null;
            } catch (ExpressionException e) {
                throw new RecordRejected(DeadLetterReason.expression_error, field + ": " + e.getMessage());
            }
        }
    }

    record MapFields(String field, Map<String, Expression> outputs) implements RecordStep {
        @Override
        public Map<String, Object> apply(Map<String, Object> record) throws RecordRejected {
            Map<String, Object> out = new LinkedHashMap<>(outputs.size() * 2);
            for (Map.Entry<String, Expression> e : outputs.entrySet()) {
                Object value;
                try {
                    value = e.getValue().evaluate(record);
                } catch (ExpressionException ex) {
                    throw new RecordRejected(DeadLetterReason.expression_error,
                            field + "." + e.getKey() + ": " + ex.getMessage());
                }
                // JSON has no Infinity or NaN (written out, they would become strings); a field read as it is
                // passed the same check when its record was parsed
                String outOfRange = e.getValue().bareField() != null ? null : Json.numberOutOfRange(value, e.getKey());
                if (outOfRange != null) {
                    throw new RecordRejected(DeadLetterReason.expression_error, field + "." + e.getKey() + ": "
                            + outOfRange);
                }
                out.put(e.getKey(), value);
            }
            return out;
        }
    }

    /** Runs steps in order; null as soon as one drops the record. */
    static Map<String, Object> applyAll(Iterable<RecordStep> steps, Map<String, Object> record) throws RecordRejected {
        Map<String, Object> current = record;
        for (RecordStep step : steps) {
            current = step.apply(current);
            if (current == null) {
                return null;
            }
        }
        return current;
    }
}

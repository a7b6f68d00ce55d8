package dev.weir.runtime.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The W3C trace context in a top-level string field of a JSON payload, for streams whose records have no headers
 * (Kinesis): read from source records, and set on every record the job writes to that record's trace, so that a
 * stale incoming context never travels on (docs/tracing.md, "Kinesis").
 */
public final class TraceField {
    private static final JsonFactory JSON = new JsonFactory();

    private final String name;
    /** The field's name as it appears, quoted, in a payload that has it (unless the name is written escaped). */
    private final byte[] quoted;

    public TraceField(String name) {
        this.name = name;
        this.quoted = ("\"" + name + "\"").getBytes(StandardCharsets.UTF_8);
    }

    public String name() {
        return name;
    }

    /**
     * The field's value when {@code payload} is a JSON object holding it as a string at the top level, else null. A
     * payload that is not JSON is the decoder's business (it becomes a dead letter there), never an error here.
     */
    public String read(byte[] payload) {
        // most payloads lack the field: a byte search spares them the parser
        if (payload == null || indexOf(payload, quoted) < 0) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(payload)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                boolean ours = name.equals(parser.currentName());
                JsonToken value = parser.nextToken();
                if (ours) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * {@code out} with the field set to the context of {@code trace}, or without the field when the record is not
     * traced; {@code out} itself when it needs no change, else a copy.
     */
    public Map<String, Object> carrying(Map<String, Object> out, RecordTrace trace) {
        TraceParent context = trace.context();
        if (context == null && !out.containsKey(name)) {
            return out;
        }
        Map<String, Object> carried = new LinkedHashMap<>(out);
        if (context == null) {
            carried.remove(name);
        } else {
            carried.put(name, context.header());
        }
        return carried;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

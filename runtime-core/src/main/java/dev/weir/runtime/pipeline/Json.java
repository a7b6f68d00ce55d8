package dev.weir.runtime.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON codec of the runtime: objects become {@code Map<String,Object>} whose integers are
 * {@link Long} and numbers with a fraction are {@link Double}, the value model CEL expressions see.
 * A record holding a number that neither can carry (an integer beyond 64 bits, a number beyond the
 * double range) is malformed rather than clamped or turned into {@code Infinity}.
 */
public final class Json {
    /** Significant digits of doubles in sink records: every decimal of up to 15 digits survives a double. */
    public static final int OUTPUT_DIGITS = 15;
    private static final MathContext OUTPUT_CONTEXT = new MathContext(OUTPUT_DIGITS, RoundingMode.HALF_EVEN);
    /** Beyond this many integer digits a rounded double is written with an exponent. */
    private static final int PLAIN_INTEGER_DIGITS = 16;
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectReader OBJECT_READER =
            MAPPER.readerFor(new TypeReference<LinkedHashMap<String, Object>>() {});
    private static final ObjectReader ANY_READER = MAPPER.readerFor(Object.class);
    /**
     * The streaming reader's parsers: doubles through Jackson's FastDoubleParser, which rounds exactly as
     * {@link Double#parseDouble} does (the data-binding reader keeps the JDK's, and JsonTest holds the two equal).
     */
    private static final JsonFactory STREAMING = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
    private static final ObjectWriter WRITER = MAPPER.writer();
    private static final ObjectWriter OUTPUT_WRITER = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Double.class, new OutputDouble()))
            .writer();

    private Json() {}

    /**
     * Parses a JSON object; anything else (no content, bytes that are not UTF-8, array, scalar, bad syntax,
     * numbers out of range) is {@link MalformedRecordException}.
     */
    public static Map<String, Object> parseObject(byte[] bytes) throws MalformedRecordException {
        if (bytes == null) {
            throw new MalformedRecordException("record has no value");
        }
        if (isBlank(bytes)) {
            throw new MalformedRecordException("empty record: a record is a JSON object");
        }
        int invalid = Utf8.firstInvalid(bytes);
        if (invalid >= 0) {
            throw new MalformedRecordException("not valid UTF-8: byte 0x%02x at offset %d (the dead letter keeps the"
                    .formatted(bytes[invalid] & 0xff, invalid) + " bytes in record_base64)");
        }
        Map<String, Object> read = readObject(bytes);
        if (read != null) {
            return read;
        }
        Object value;
        try {
            value = ANY_READER.readValue(bytes);
        } catch (InputCoercionException e) {
            throw new MalformedRecordException("a number out of range: " + firstLine(e.getOriginalMessage())
                    + "; send integers beyond 64 bits as strings");
        } catch (IOException e) {
            throw new MalformedRecordException("not JSON: " + firstLine(e.getMessage()));
        }
        if (!(value instanceof Map)) {
            throw new MalformedRecordException("not a JSON object but " + kind(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        String outOfRange = numberOutOfRange(map, "");
        if (outOfRange != null) {
            throw new MalformedRecordException(outOfRange);
        }
        return map;
    }

    /**
     * The common case of {@link #parseObject(byte[])} straight off Jackson's streaming parser: a JSON object whose
     * numbers all fit, into the same value model as the data-binding reader gives (insertion-ordered maps, the last
     * of duplicate names winning, lists, Long, Double, Boolean, String, null). Null for anything else (not an
     * object, bad syntax, a number out of range, trailing tokens): the data-binding reader then parses it again and
     * says what is wrong, in its words. {@code JsonTest} holds the two to the same results. A flat object goes
     * through {@link FlatJson} first, which is why {@code bytes} must be well-formed UTF-8.
     */
    static Map<String, Object> readObject(byte[] bytes) {
        Map<String, Object> flat = FlatJson.read(bytes);
        if (flat != null) {
            return flat;
        }
        try (JsonParser parser = STREAMING.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Object> map = readFields(parser);
            if (map == null || parser.nextToken() != null) {
                return null;
            }
            return map;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What the data-binding reader makes of a record's bytes: the reference {@link #readObject} is held to. */
    static Object readWithDataBinding(byte[] bytes) throws IOException {
        return ANY_READER.readValue(bytes);
    }

    /** The fields of an object whose START_OBJECT was read, up to its END_OBJECT; null on a non-finite double. */
    private static Map<String, Object> readFields(JsonParser parser) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        String name;
        while ((name = parser.nextFieldName()) != null) {
            Object value = readValue(parser, parser.nextToken());
            if (value == NOT_READ) {
                return null;
            }
            map.put(name, value);
        }
        return parser.currentToken() == JsonToken.END_OBJECT ? map : null;
    }

    private static final Object NOT_READ = new Object();

    private static Object readValue(JsonParser parser, JsonToken token) throws IOException {
        if (token == null) {
            return NOT_READ;
        }
        switch (token) {
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                return parser.getLongValue();
            case VALUE_NUMBER_FLOAT: {
                double d = parser.getDoubleValue();
                return Double.isFinite(d) ? d : NOT_READ;
            }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_OBJECT: {
                Map<String, Object> map = readFields(parser);
                return map == null ? NOT_READ : map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    Object value = readValue(parser, next);
                    if (value == NOT_READ) {
                        return NOT_READ;
                    }
                    list.add(value);
                }
                return list;
            }
            default:
                return NOT_READ;
        }
    }

    /**
     * Where {@code value} holds a double JSON cannot carry (infinite, or NaN): a number beyond the double range in
     * the text of a record, or an expression's result. Null when there is none. (Integers beyond 64 bits are
     * refused by the parser.)
     *
     * @param path where {@code value} sits, for the message ("" for a whole record)
     */
    public static String numberOutOfRange(Object value, String path) {
        if (value instanceof Double d) {
            return Double.isFinite(d) ? null : "field '" + path + "' is " + d + ": beyond the range of a double"
                    + " (±1.8e308)";
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String found = numberOutOfRange(e.getValue(), path.isEmpty() ? String.valueOf(e.getKey())
                        : path + "." + e.getKey());
                if (found != null) {
                    return found;
                }
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                String found = numberOutOfRange(list.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Parses JSON this runtime wrote itself (keys in state); a failure is a bug, not bad input. */
    public static Object parseValue(byte[] bytes) {
        try {
            return ANY_READER.readValue(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, Object> parseObject(String text) throws MalformedRecordException {
        try {
            return OBJECT_READER.readValue(text);
        } catch (IOException e) {
            throw new MalformedRecordException("not a JSON object: " + firstLine(e.getMessage()));
        }
    }

    /** Exact JSON of a value: every double as the shortest text that reads back as the same double. */
    public static byte[] write(Object value) {
        try {
            return WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * JSON of a sink record: doubles rounded to {@value #OUTPUT_DIGITS} significant digits, so the noise of binary
     * arithmetic ({@code 21.999999999999996}) reads as the decimal meant ({@code 22.0}).
     */
    public static byte[] writeOutput(Object value) {
        try {
            return OUTPUT_WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text of a double in a sink record: at most 15 significant digits, always with a fraction or exponent. */
    static String outputText(double d) {
        String shortest = Double.toString(d);
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException(shortest + " has no JSON form");
        }
        BigDecimal exact = new BigDecimal(shortest);
        if (exact.precision() <= OUTPUT_DIGITS) {
            return shortest;
        }
        BigDecimal rounded = exact.round(OUTPUT_CONTEXT).stripTrailingZeros();
        if (rounded.scale() <= 0 && rounded.precision() - rounded.scale() <= PLAIN_INTEGER_DIGITS) {
            return rounded.toPlainString() + ".0";
        }
        String text = rounded.toString();
        return text.contains(".") || text.contains("E") ? text : text + ".0";
    }

    private static final class OutputDouble extends StdSerializer<Double> {
        OutputDouble() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeNumber(outputText(value));
        }
    }

    /** JSON bytes of a key value; a plain string (nothing to escape) skips the JSON writer. */
    public static byte[] writeKey(Object value) {
        if (value instanceof String s && isPlain(s)) {
            byte[] text = s.getBytes(StandardCharsets.UTF_8);
            byte[] quoted = new byte[text.length + 2];
            quoted[0] = '"';
            System.arraycopy(text, 0, quoted, 1, text.length);
            quoted[quoted.length - 1] = '"';
            return quoted;
        }
        return write(value);
    }

    private static boolean isPlain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    public static String writeString(Object value) {
        try {
            return WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof java.util.List) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number";
        }
        return value.getClass().getSimpleName().toLowerCase();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}

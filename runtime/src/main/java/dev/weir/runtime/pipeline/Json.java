package dev.weir.runtime.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one JSON codec of the runtime: objects become {@code Map<String,Object>} whose integers are
 * {@link Long} and numbers with a fraction are {@link Double}, the value model CEL expressions see.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectReader OBJECT_READER =
            MAPPER.readerFor(new TypeReference<LinkedHashMap<String, Object>>() {});
    private static final ObjectReader ANY_READER = MAPPER.readerFor(Object.class);
    private static final ObjectWriter WRITER = MAPPER.writer();

    private Json() {}

    /** Parses a JSON object; anything else (array, scalar, bad syntax) is {@link MalformedRecordException}. */
    public static Map<String, Object> parseObject(byte[] bytes) throws MalformedRecordException {
        if (bytes == null) {
            throw new MalformedRecordException("record has no value");
        }
        Object value;
        try {
            value = ANY_READER.readValue(bytes);
        } catch (IOException e) {
            throw new MalformedRecordException("not JSON: " + firstLine(e.getMessage()));
        }
        if (!(value instanceof Map)) {
            throw new MalformedRecordException("not a JSON object but " + kind(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        return map;
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

    public static byte[] write(Object value) {
        try {
            return WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JSON bytes of a key value; a plain string (nothing to escape) skips the JSON writer. */
    public static byte[] writeKey(Object value) {
        if (value instanceof String s && isPlain(s)) {
            byte[] text = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
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

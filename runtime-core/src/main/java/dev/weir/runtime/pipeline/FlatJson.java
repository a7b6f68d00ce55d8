package dev.weir.runtime.pipeline;

import com.fasterxml.jackson.core.io.NumberInput;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The commonest record read without a general parser: one JSON object of strings without escapes, numbers, true,
 * false and null, in bytes already checked to be UTF-8. It gives what {@link Json#readObject} gives (Long for
 * integers, Double for the rest, the last duplicate winning in the first one's place) and answers null for anything
 * else (nesting, escapes, a byte-order mark, control characters in strings, a long integer, a number beyond the
 * double range, anything malformed), which then goes to Jackson as before. {@code JsonTest} holds the two readers
 * to the same results.
 *
 * <p>Field names come from a small cache, so that the same name is the same {@link String} record after record and
 * its hash is computed once. A reader belongs to one thread.
 */
final class FlatJson {
    private static final int NAMES = 64;
    /** Digits an integer may have here: 18 always fit a long. */
    private static final int MAX_INTEGER_DIGITS = 18;
    /**
     * The longest number, name and string value read here, far below what Jackson's default read constraints
     * refuse (numbers of 1,000 characters, names of 50,000, strings of 20 million), so that only Jackson says
     * where those limits lie.
     */
    private static final int MAX_NUMBER = 100;
    /** Decimal digits that always make an exact double (below 2^53), and the powers of ten that are exact doubles. */
    private static final int MAX_EXACT_DIGITS = 15;
    private static final int MAX_EXACT_POWER = 22;
    private static final double[] POWERS_OF_TEN = new double[MAX_EXACT_POWER + 1];

    static {
        double power = 1;
        for (int i = 0; i <= MAX_EXACT_POWER; i++) {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }
    private static final int MAX_NAME = 1_000;
    private static final int MAX_STRING = 100_000;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private final byte[][] nameBytes = new byte[NAMES][];
    private final String[] names = new String[NAMES];
    private byte[] in;
    private int at;
    private int end;

    private static final ThreadLocal<FlatJson> READERS = ThreadLocal.withInitial(FlatJson::new);

    /** The object in {@code bytes} (well-formed UTF-8), or null when this reader leaves it to Jackson. */
    static Map<String, Object> read(byte[] bytes) {
        FlatJson reader = READERS.get();
        try {
            return reader.object(bytes);
        } finally {
            reader.in = null;
        }
    }

    private Map<String, Object> object(byte[] bytes) {
        in = bytes;
        at = 0;
        end = bytes.length;
        skipWhitespace();
        if (at >= end || in[at] != '{') {
            return null;
        }
        at++;
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (at < end && in[at] == '}') {
            at++;
            return endOfInput() ? map : null;
        }
        while (true) {
            if (at >= end || in[at] != '"') {
                return null;
            }
            String name = name();
            if (name == null) {
                return null;
            }
            skipWhitespace();
            if (at >= end || in[at] != ':') {
                return null;
            }
            at++;
            skipWhitespace();
            Object value = value();
            if (value == NOT_READ) {
                return null;
            }
            map.put(name, value);
            skipWhitespace();
            if (at >= end) {
                return null;
            }
            byte next = in[at++];
            if (next == '}') {
                return endOfInput() ? map : null;
            }
            if (next != ',') {
                return null;
            }
            skipWhitespace();
        }
    }

    private static final Object NOT_READ = new Object();

    private Object value() {
        if (at >= end) {
            return NOT_READ;
        }
        byte first = in[at];
        if (first == '"') {
            int start = at + 1;
            int close = stringEnd(start);
            if (close < 0 || close - start > MAX_STRING) {
                return NOT_READ;
            }
            at = close + 1;
            return new String(in, start, close - start, StandardCharsets.UTF_8);
        }
        if (first == '-' || (first >= '0' && first <= '9')) {
            return number();
        }
        if (literal("true")) {
            return Boolean.TRUE;
        }
        if (literal("false")) {
            return Boolean.FALSE;
        }
        if (literal("null")) {
            return null;
        }
        return NOT_READ;
    }

    /** A name between quotes at {@code at}, from the cache when it was seen before. */
    private String name() {
        int start = at + 1;
        int close = stringEnd(start);
        if (close < 0 || close - start > MAX_NAME) {
            return null;
        }
        at = close + 1;
        int hash = 1;
        for (int i = start; i < close; i++) {
            hash = 31 * hash + in[i];
        }
        int slot = (hash ^ (hash >>> 16)) & (NAMES - 1);
        byte[] cached = nameBytes[slot];
        if (cached != null && Arrays.equals(cached, 0, cached.length, in, start, close)) {
            return names[slot];
        }
        String name = new String(in, start, close - start, StandardCharsets.UTF_8);
        nameBytes[slot] = Arrays.copyOfRange(in, start, close);
        names[slot] = name;
        return name;
    }

    /**
     * The index of the quote closing a string whose first byte is at {@code start}; -1 for an escape, a control
     * character or no quote. Eight bytes at a time while none of them is a quote, a backslash or below 0x20.
     */
    private int stringEnd(int start) {
        int i = start;
        while (i + Long.BYTES <= end && !special((long) LONGS.get(in, i))) {
            i += Long.BYTES;
        }
        for (; i < end; i++) {
            byte b = in[i];
            if (b == '"') {
                return i;
            }
            if (b == '\\' || (b >= 0 && b < 0x20)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Whether one of the eight bytes may be a quote, a backslash or a control character: exact when it says no
     * (a yes may be wrong, and the caller then looks byte by byte). Bytes from 0x80 never count.
     */
    private static boolean special(long word) {
        long quotes = word ^ (ONES * '"');
        long backslashes = word ^ (ONES * '\\');
        return ((hasZero(quotes) | hasZero(backslashes) | ((word - ONES * 0x20) & ~word)) & HIGH_BITS) != 0;
    }

    private static long hasZero(long word) {
        return (word - ONES) & ~word;
    }

    /** JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, then a byte that ends a value. */
    private Object number() {
        int start = at;
        int i = at;
        if (in[i] == '-') {
            i++;
        }
        int intStart = i;
        while (i < end && in[i] >= '0' && in[i] <= '9') {
            i++;
        }
        int intDigits = i - intStart;
        if (intDigits == 0 || (intDigits > 1 && in[intStart] == '0')) {
            return NOT_READ;
        }
        boolean integer = true;
        if (i < end && in[i] == '.') {
            integer = false;
            int fraction = ++i;
            while (i < end && in[i] >= '0' && in[i] <= '9') {
                i++;
            }
            if (i == fraction) {
                return NOT_READ;
            }
        }
        if (i < end && (in[i] == 'e' || in[i] == 'E')) {
            integer = false;
            i++;
            if (i < end && (in[i] == '+' || in[i] == '-')) {
                i++;
            }
            int exponent = i;
            while (i < end && in[i] >= '0' && in[i] <= '9') {
                i++;
            }
            if (i == exponent) {
                return NOT_READ;
            }
        }
        if ((i < end && !endsValue(in[i])) || i - start > MAX_NUMBER) {
            return NOT_READ;
        }
        at = i;
        if (integer) {
            if (intDigits > MAX_INTEGER_DIGITS) {
                return NOT_READ;
            }
            long value = 0;
            for (int d = intStart; d < i; d++) {
                value = value * 10 + (in[d] - '0');
            }
            return in[start] == '-' ? -value : value;
        }
        double exact = smallDecimal(intStart, i);
        if (!Double.isNaN(exact)) {
            return in[start] == '-' ? -exact : exact;
        }
        double value = NumberInput.parseDouble(new String(in, start, i - start, StandardCharsets.ISO_8859_1), true);
        return Double.isFinite(value) ? value : NOT_READ;
    }

    /**
     * A decimal without its sign, from {@code from} to {@code to} (already checked against the grammar), when it has
     * at most 15 digits and a power of ten within ±22: then both are exact doubles and one multiplication or
     * division rounds correctly, as {@link Double#parseDouble} does (Clinger's fast path). NaN otherwise.
     */
    private double smallDecimal(int from, int to) {
        long mantissa = 0;
        int digits = 0;
        int fractionDigits = 0;
        boolean fraction = false;
        int i = from;
        for (; i < to; i++) {
            byte b = in[i];
            if (b == '.') {
                fraction = true;
            } else if (b == 'e' || b == 'E') {
                break;
            } else {
                mantissa = mantissa * 10 + (b - '0');
                if (++digits > MAX_EXACT_DIGITS) {
                    return Double.NaN;
                }
                if (fraction) {
                    fractionDigits++;
                }
            }
        }
        int exponent = 0;
        if (i < to) {
            i++;
            boolean negative = in[i] == '-';
            if (in[i] == '-' || in[i] == '+') {
                i++;
            }
            if (to - i > 3) {
                return Double.NaN;
            }
            for (; i < to; i++) {
                exponent = exponent * 10 + (in[i] - '0');
            }
            exponent = negative ? -exponent : exponent;
        }
        int power = exponent - fractionDigits;
        if (power < -MAX_EXACT_POWER || power > MAX_EXACT_POWER) {
            return Double.NaN;
        }
        return power >= 0 ? mantissa * POWERS_OF_TEN[power] : mantissa / POWERS_OF_TEN[-power];
    }

    private boolean literal(String word) {
        int n = word.length();
        if (at + n > end) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (in[at + i] != word.charAt(i)) {
                return false;
            }
        }
        if (at + n < end && !endsValue(in[at + n])) {
            return false;
        }
        at += n;
        return true;
    }

    private static boolean endsValue(byte b) {
        return b == ',' || b == '}' || b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private void skipWhitespace() {
        while (at < end && (in[at] == ' ' || in[at] == '\t' || in[at] == '\n' || in[at] == '\r')) {
            at++;
        }
    }

    private boolean endOfInput() {
        skipWhitespace();
        return at == end;
    }
}

package dev.weir.runtime.pipeline;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * A W3C trace context as the record path carries it (the {@code traceparent} header): trace id, the id of the span
 * that is the parent of what comes next, and whether the trace is sampled.
 */
public record TraceParent(String traceId, String spanId, boolean sampled) {
    /** The W3C header, on Kafka records. */
    public static final String HEADER = "traceparent";
    /** Bytes of {@link #write}: trace id, span id, flags. */
    public static final int BINARY_SIZE = 16 + 8 + 1;

    private static final HexFormat HEX = HexFormat.of();
    private static final int VERSION_00_LENGTH = 55;
    private static final String INVALID_TRACE_ID = "0".repeat(32);
    private static final String INVALID_SPAN_ID = "0".repeat(16);
    private static final byte SAMPLED = 1;

    /**
     * The context of a {@code traceparent} value, or null when it is not a valid one: a bad header on an input record
     * is ignored (the record is traced as if it had none), not a reason to reject the record.
     */
    public static TraceParent parse(String header) {
        if (header == null || header.length() < VERSION_00_LENGTH) {
            return null;
        }
        String version = header.substring(0, 2);
        // version 00 has exactly four fields; a later version may add fields after a dash, ff is forbidden
        boolean lengthFits = version.equals("00") ? header.length() == VERSION_00_LENGTH
                : header.length() == VERSION_00_LENGTH || header.charAt(VERSION_00_LENGTH) == '-';
        if (!lengthFits || !isLowerHex(version) || version.equals("ff") || header.charAt(2) != '-'
                || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        String traceId = header.substring(3, 35);
        String spanId = header.substring(36, 52);
        String flags = header.substring(53, 55);
        if (!isLowerHex(traceId) || !isLowerHex(spanId) || !isLowerHex(flags) || traceId.equals(INVALID_TRACE_ID)
                || spanId.equals(INVALID_SPAN_ID)) {
            return null;
        }
        return new TraceParent(traceId, spanId, (HexFormat.fromHexDigits(flags) & SAMPLED) != 0);
    }

    /** The {@code traceparent} value (version 00). */
    public String header() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    public void write(ByteBuffer b) {
        b.put(HEX.parseHex(traceId)).put(HEX.parseHex(spanId)).put(sampled ? SAMPLED : 0);
    }

    public static TraceParent read(ByteBuffer b) {
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        b.get(traceId).get(spanId);
        return new TraceParent(HEX.formatHex(traceId), HEX.formatHex(spanId), (b.get() & SAMPLED) != 0);
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}

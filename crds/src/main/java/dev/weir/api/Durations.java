package dev.weir.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in the Kubernetes/Go form: one or more number-unit pairs such as {@code 500ms}, {@code 30s},
 * {@code 1h30m} or {@code 1.5h}. Units: ns, us (or µs), ms, s, m, h. No sign, no bare numbers (write {@code 0s}).
 */
public final class Durations {
    /** The form the parser accepts; also the pattern of duration fields in the CRD. */
    public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";

    static final String ACCEPTED_FORM = "a number with a unit, e.g. 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)";

    private static final Pattern WHOLE = Pattern.compile(PATTERN);
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private Durations() {
    }

    /** Parses {@code text}; throws IllegalArgumentException saying the accepted form when it is not one. */
    public static Duration parse(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    (text == null ? "no duration" : "invalid duration \"" + text + "\"") + ": use " + ACCEPTED_FORM);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(nanosPer(part.group(2))));
        }
        try {
            BigDecimal[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
            return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValue());
        } catch (ArithmeticException tooLong) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": too long");
        }
    }

    /** The shortest form {@link #parse} reads back as {@code duration}, e.g. 1h30m, 10m, 1m30s500ms, 0s. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        StringBuilder text = new StringBuilder();
        append(text, duration.toHours(), "h");
        append(text, duration.toMinutesPart(), "m");
        append(text, duration.toSecondsPart(), "s");
        append(text, duration.toMillisPart(), "ms");
        append(text, duration.toNanosPart() % 1_000_000, "ns");
        return text.toString();
    }

    private static void append(StringBuilder text, long amount, String unit) {
        if (amount != 0) {
            text.append(amount).append(unit);
        }
    }

    private static BigDecimal nanosPer(String unit) {
        return BigDecimal.valueOf(switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalStateException("unit " + unit + " is in PART but not here");
        });
    }
}

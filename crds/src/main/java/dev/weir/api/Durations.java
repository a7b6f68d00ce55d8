package dev.weir.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in the Kubernetes/Go form: one or more number-unit pairs such as {@code 500ms}, {@code 30s},
 * {@code 1h30m} or {@code 1.5h}. Units: ns, us (or µs), ms, s, m, h. No sign, no bare numbers (write {@code 0s}), and
 * at most {@link #MAX}.
 */
public final class Durations {
    /** The form the parser accepts; also the pattern of duration fields in the CRD. */
    public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";

    static final String ACCEPTED_FORM = "a number with a unit, e.g. 500ms, 30s, 10m, 1h or 1h30m (units ns, us, ms, s, m, h)";

    private static final Pattern WHOLE = Pattern.compile(PATTERN);
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
    /**
     * The longest duration a spec may give: longer than any window, timeout or interval a job needs, and short enough
     * that event times plus window sizes and lateness, and the wall clock plus intervals, stay far inside the range
     * of long milliseconds and of {@link java.time.Instant}.
     */
    public static final Duration MAX = Duration.ofDays(36_500);
    private static final String MAX_TEXT = "876000h (100 years)";
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(MAX.getSeconds()).multiply(NANOS_PER_SECOND);

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
        // compared before the conversion, which would overflow a long for the longest texts
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": too long, at most " + MAX_TEXT);
        }
        BigDecimal[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValue());
    }

    /** {@code duration} in the form {@link #parse} reads, without zero parts: 3.6s, 1h56m40s, 2h, 2ms. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toNanos() % 1_000_000 == 0 ? duration.toMillis() + "ms" : duration.toNanos() + "ns";
        }
        StringBuilder text = new StringBuilder();
        if (duration.toHours() > 0) {
            text.append(duration.toHours()).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            text.append(duration.toMinutesPart()).append('m');
        }
        if (duration.toSecondsPart() > 0 || duration.getNano() > 0) {
            text.append(BigDecimal.valueOf(duration.toSecondsPart()).add(BigDecimal.valueOf(duration.getNano(), 9))
                    .stripTrailingZeros().toPlainString()).append('s');
        }
        return text.toString();
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

package dev.weir.runtime.pipeline;

import java.time.DateTimeException;
import java.time.LocalDate;

/**
 * Reads the common spelling of an event time, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, without a formatter: about
 * a microsecond per record less than {@link java.time.format.DateTimeFormatter} (docs/benchmark.md). Anything else,
 * offsets, lower case, missing seconds, impossible dates and year 0000 included, is not its business: it answers
 * {@link #NOT_READ} and {@link EventTimeReader} reads the text as before, so what is accepted and what is
 * dead-lettered, with which message, does not change.
 */
final class UtcTimestamps {
    /** The answer for text this reader leaves to the formatter. */
    static final long NOT_READ = Long.MIN_VALUE;
    private static final int FRACTION_AT = 20;
    private static final int MAX_FRACTION_DIGITS = 9;

    private UtcTimestamps() {}

    /** @return epoch milliseconds (the fraction's sub-millisecond digits dropped, as Instant does), or NOT_READ */
    static long epochMillis(String text) {
        int length = text.length();
        if (length < FRACTION_AT || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
                || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return NOT_READ;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        int millis = fractionMillis(text, length - 1);
        if (year < 1 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59 || millis < 0) {
            return NOT_READ;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException impossibleDate) {
            return NOT_READ;
        }
        return ((epochDay * 24 + hour) * 60 + minute) * 60_000 + second * 1000L + millis;
    }

    /** The fraction between index 19 and {@code end}: none, or a point and 1 to 9 digits; -1 otherwise. */
    private static int fractionMillis(String text, int end) {
        if (end == FRACTION_AT - 1) {
            return 0;
        }
        int digits = end - FRACTION_AT;
        if (text.charAt(FRACTION_AT - 1) != '.' || digits < 1 || digits > MAX_FRACTION_DIGITS
                || digits(text, FRACTION_AT, digits) < 0) {
            return -1;
        }
        int millis = 0;
        for (int i = 0; i < 3; i++) {
            millis = millis * 10 + (i < digits ? text.charAt(FRACTION_AT + i) - '0' : 0);
        }
        return millis;
    }

    /** The decimal number of {@code count} ASCII digits from {@code from}, or -1 if one is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}

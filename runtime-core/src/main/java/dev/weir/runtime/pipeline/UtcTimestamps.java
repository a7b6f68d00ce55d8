package dev.weir.runtime.pipeline;

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
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
            return NOT_READ;
        }
        return ((epochDay(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000L + millis;
    }

    private static int daysInMonth(int year, int month) {
        if (month == 2) {
            return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
        }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    /**
     * Days since 1970-01-01 of a valid proleptic Gregorian date of a year from 1: whole 400-year eras since 0000-03-01
     * (a year counted from March puts the leap day last), then the day within the era.
     */
    private static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = y / 400;
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468;
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

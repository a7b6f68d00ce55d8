package dev.weir.api.sql;

import dev.weir.api.Durations;
import dev.weir.api.WindowSpec;
import java.time.Duration;
import java.util.LinkedHashMap;

/**
 * The event-time window of a query, from a window table function in FROM or a group window in GROUP BY.
 *
 * @param function   TUMBLE, HOP or SESSION
 * @param size       the window's length; a session's gap
 * @param slide      how far a HOP window's start moves; null for the others
 * @param timeColumn the column the window reads time from, which is spec.eventTime.field
 */
record GroupWindow(String function, Duration size, Duration slide, String timeColumn) {
    static final String TUMBLE = "TUMBLE";
    static final String HOP = "HOP";
    static final String SESSION = "SESSION";

    WindowSpec toSpec(String keyBy, String allowedLateness, LinkedHashMap<String, String> aggregates) {
        WindowSpec window = new WindowSpec();
        window.keyBy = keyBy;
        switch (function) {
            case TUMBLE -> window.tumbling = Durations.format(size);
            case HOP -> {
                window.hopping = new WindowSpec.Hopping();
                window.hopping.size = Durations.format(size);
                window.hopping.advance = Durations.format(slide);
            }
            default -> {
                window.session = new WindowSpec.Session();
                window.session.gap = Durations.format(size);
            }
        }
        window.allowedLateness = allowedLateness;
        window.aggregate = aggregates;
        return window;
    }

    /** As the query would write it, for messages: TUMBLE(event_time, INTERVAL '10' MINUTE) → TUMBLE(event_time, 10m). */
    String describe() {
        return function + "(" + timeColumn + (slide == null ? "" : ", " + Durations.format(slide)) + ", "
                + Durations.format(size) + ")";
    }
}

package dev.weir.runtime.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.expr.AggregateCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A window task that restarts (a pod killed, its tasks moved) resumes with what it knew of the source splits, from
 * its own state: the readers of ended splits may never say so again.
 */
class SplitProgressTest {
    private static final long HOUR = 3_600_000;

    private final SortedMapStore store = new SortedMapStore();
    private final List<Map<String, Object>> out = new ArrayList<>();

    /** One incarnation of a window task over the store: its operator, tracker and split progress, as at init. */
    private final class Task {
        final WindowOperator windows;
        final WatermarkTracker tracker;
        final SplitProgress splits = new SplitProgress(store);

        Task(int partitions) throws Exception {
            windows = new WindowOperator(new WindowShape.Tumbling(HOUR), 0, "id",
                    new Aggregates(List.of(new Aggregates.Named("n", AggregateCall.parse("count()")))), store,
                    (r, end, inputs) -> out.add(r));
            tracker = new WatermarkTracker(partitions, windows.closedWatermark());
            splits.restore(tracker);
        }

        void progress(int partition, long max) {
            splits.progressed(Integer.toString(partition), max);
            windows.advance(tracker.active(partition, max));
        }

        void ended(int partition) {
            splits.ended(Integer.toString(partition));
            windows.advance(tracker.ended(partition));
        }
    }

    @Test
    void aRestartedTaskRemembersWhichSplitsEndedAndClosesItsWindowsWhenTheRestEnd() throws Exception {
        Task before = new Task(4);
        for (int p = 0; p < 4; p++) {
            before.progress(p, 10 * 60_000);
        }
        assertTrue(before.windows.add(Json.write("a"), 5 * 60_000, new Object[0]));
        before.ended(0);
        before.ended(1);
        assertEquals(List.of(), out, "the hour has not ended for partitions 2 and 3");

        // the task moves; the readers of partitions 0 and 1 moved too and resume past their ends: silent
        Task after = new Task(4);
        assertTrue(after.tracker.hasEnded(0) && after.tracker.hasEnded(1));
        assertFalse(after.tracker.hasEnded(2));
        after.ended(2);
        assertEquals(List.of(), out);
        after.ended(3);
        assertEquals(1, out.size(), "the window closes at the end of input: " + out);
        assertEquals(1L, out.get(0).get("n"));
        assertEquals(WatermarkTracker.END, after.tracker.current());
    }

    @Test
    void aRestartedTaskResumesAtTheEventTimesReportedNotBehindThemAndNotAhead() throws Exception {
        Task before = new Task(2);
        before.progress(0, 3 * HOUR);
        before.progress(1, 2 * HOUR);
        before.progress(1, HOUR + 1); // a smaller report never lowers what was kept
        assertEquals(2 * HOUR, before.tracker.current());

        Task after = new Task(2);
        assertEquals(2 * HOUR, after.tracker.current(), "both partitions are known again, at their largest times");
        assertTrue(after.windows.add(Json.write("late?"), 2 * HOUR + 1, new Object[0]), "not closed: not late");
        after.progress(1, 4 * HOUR);
        assertEquals(3 * HOUR, after.tracker.current());
        assertEquals(1, out.size(), "the window of 2h..3h closed once partition 0 held it no longer");
    }

    @Test
    void splitsTheTrackerDoesNotKnowAreIgnored() throws Exception {
        Task wide = new Task(3);
        wide.ended(2);
        Task narrow = new Task(2);
        assertFalse(narrow.tracker.hasEnded(0));
        assertFalse(narrow.tracker.hasEnded(1));
        assertEquals(List.of("0", "1"), narrow.tracker.splits());
    }
}

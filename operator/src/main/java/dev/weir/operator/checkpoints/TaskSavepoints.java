package dev.weir.operator.checkpoints;

import dev.weir.checkpoint.CheckpointInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which of a job's tasks have a savepoint written at or after a moment (a deletion, an on-demand request). Only the
 * tasks the store knows count: those with a checkpoint or savepoint written after {@code since} or less than
 * {@link #KNOWN_FOR} before it. A task of an older topology (one the job no longer runs) drops out once its last
 * write is that old; that is also the age past which the runtime no longer restores a checkpoint.
 *
 * @param since   the moment
 * @param saved   per task with one, its newest savepoint written at or after {@code since}
 * @param missing per task without one, its newest checkpoint or savepoint: what a restart would restore
 */
record TaskSavepoints(Instant since, SortedMap<String, CheckpointInfo> saved,
                      SortedMap<String, CheckpointInfo> missing) {
    /** How long before the moment a task's last write makes it known (the runtime's MAX_CHECKPOINT_AGE). */
    static final Duration KNOWN_FOR = Duration.ofHours(12);
    /** Tasks named in a message at most; the count says how many more. */
    private static final int NAMED_TASKS = 10;

    TaskSavepoints {
        saved = Collections.unmodifiableSortedMap(new TreeMap<>(saved));
        missing = Collections.unmodifiableSortedMap(new TreeMap<>(missing));
    }

    /** From a listing of the store, newest first. */
    static TaskSavepoints of(List<CheckpointInfo> listed, Instant since) {
        Instant knownAfter = since.minus(KNOWN_FOR);
        Map<String, CheckpointInfo> newest = new TreeMap<>();
        TreeMap<String, CheckpointInfo> saved = new TreeMap<>();
        for (CheckpointInfo info : listed) {
            if (info.createdAt().isAfter(knownAfter)) {
                newest.putIfAbsent(info.taskId(), info);
                if (info.savepoint() && !info.createdAt().isBefore(since)) {
                    saved.putIfAbsent(info.taskId(), info);
                }
            }
        }
        TreeMap<String, CheckpointInfo> missing = new TreeMap<>(newest);
        missing.keySet().removeAll(saved.keySet());
        return new TaskSavepoints(since, saved, missing);
    }

    int known() {
        return saved.size() + missing.size();
    }

    /** Every known task has one (and at least one task is known). */
    boolean complete() {
        return missing.isEmpty() && !saved.isEmpty();
    }

    /** Tasks with one of the known ones, e.g. {@code 2/3}. */
    String progress() {
        return saved.size() + "/" + known();
    }

    /** The savepoints' ids, ordered by task. */
    List<String> savepointIds() {
        return saved.values().stream().map(CheckpointInfo::id).toList();
    }

    /** e.g. {@code 0_0 20261121T…-5c2e, 0_1 20261121T…-9a01}. */
    String describeSaved() {
        return describe(saved, CheckpointInfo::id);
    }

    /** e.g. {@code 0_2 (newest: checkpoint 20261121T…-77ab of 2026-11-21T09:18:43.123Z)}. */
    String describeMissing() {
        return describe(missing, info -> "(newest: " + (info.savepoint() ? "savepoint " : "checkpoint ") + info.id()
                + " of " + info.createdAt() + ")");
    }

    private static String describe(SortedMap<String, CheckpointInfo> tasks,
                                   Function<CheckpointInfo, String> detail) {
        String named = tasks.entrySet().stream().limit(NAMED_TASKS)
                .map(task -> task.getKey() + " " + detail.apply(task.getValue()))
                .collect(Collectors.joining(", "));
        return tasks.size() > NAMED_TASKS ? named + " and " + (tasks.size() - NAMED_TASKS) + " more" : named;
    }
}

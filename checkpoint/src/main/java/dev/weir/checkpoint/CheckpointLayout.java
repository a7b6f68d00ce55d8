package dev.weir.checkpoint;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where things are, relative to a job's folder:
 * <pre>
 * tasks/&lt;task&gt;/files/&lt;path&gt;@&lt;size&gt;-&lt;crc32c&gt;            immutable files, shared by the task's checkpoints
 * tasks/&lt;task&gt;/checkpoints/&lt;id&gt;/manifest.json        written last
 * tasks/&lt;task&gt;/savepoints/&lt;id&gt;/manifest.json
 * </pre>
 * Ids start with the UTC creation time to the millisecond, so they sort oldest first.
 */
final class CheckpointLayout {

    static final String MANIFEST = "manifest.json";
    static final String TASKS = "tasks/";
    static final String FILES = "files/";
    static final String CHECKPOINTS = "checkpoints";
    static final String SAVEPOINTS = "savepoints";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern MANIFEST_KEY = Pattern.compile(
            TASKS + "(" + NAME.pattern() + ")/(" + CHECKPOINTS + "|" + SAVEPOINTS + ")/(" + NAME.pattern() + ")/" + Pattern.quote(MANIFEST));
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** A manifest found by listing. */
    record ManifestKey(String key, String taskId, boolean savepoint, String id) {
    }

    private final String jobFolder;

    /** @param jobFolder the job's folder relative to the store's root, empty or ending with '/' */
    CheckpointLayout(String jobFolder) {
        this.jobFolder = jobFolder;
    }

    static String checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name + "' must be letters, digits, '_', '.' or '-', "
                    + "starting with a letter or digit: it names a folder of the checkpoint store");
        }
        return name;
    }

    static String newId(Instant createdAt) {
        return ID_TIME.format(createdAt) + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    String tasksFolder() {
        return jobFolder + TASKS;
    }

    String taskFolder(String taskId) {
        return tasksFolder() + taskId + "/";
    }

    String filesFolder(String taskId) {
        return taskFolder(taskId) + FILES;
    }

    /** The shared file's key relative to the task folder: same path, size and checksum is the same file. */
    static String fileKey(String path, long size, String crc32c) {
        return FILES + path + "@" + size + "-" + crc32c;
    }

    String checkpointFolder(String taskId, boolean savepoint, String id) {
        return taskFolder(taskId) + (savepoint ? SAVEPOINTS : CHECKPOINTS) + "/" + id + "/";
    }

    String manifestKey(String taskId, boolean savepoint, String id) {
        return checkpointFolder(taskId, savepoint, id) + MANIFEST;
    }

    Optional<ManifestKey> manifest(String key) {
        if (!key.startsWith(jobFolder)) {
            return Optional.empty();
        }
        Matcher matcher = MANIFEST_KEY.matcher(key.substring(jobFolder.length()));
        return matcher.matches()
                ? Optional.of(new ManifestKey(key, matcher.group(1), matcher.group(2).equals(SAVEPOINTS), matcher.group(3)))
                : Optional.empty();
    }
}

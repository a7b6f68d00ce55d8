package dev.weir.runtime.app;

import dev.weir.runtime.local.LocalRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of {@code weir run --input}, checked before the broker starts, so that a run never ends after its input
 * was sent on a file it cannot read or write, or on two outputs that overwrite each other. Each problem is an
 * IllegalArgumentException whose message starts with the flag.
 */
final class RunFiles {
    /** Symbolic links followed at most, as Linux does before ELOOP. */
    private static final int MAX_LINKS = 40;

    private RunFiles() {}

    static void check(Path job, Path input, Path output, Path deadLetter, Path traces) {
        Path in = input.equals(LocalRun.STANDARD_INPUT) ? null : readable("--input", input);
        Path jobFile = realPathOrSelf(job.toAbsolutePath());
        Path out = output == null ? null : writable("--output", output, in, jobFile);
        Path dead = deadLetter == null ? null : writable("--dead-letter", deadLetter, in, jobFile);
        Path spans = traces == null ? null : writable("--traces", traces, in, jobFile);
        distinct("--output", output, out, "--dead-letter", dead);
        distinct("--output", output, out, "--traces", spans);
        distinct("--dead-letter", deadLetter, dead, "--traces", spans);
    }

    /** Two writers of one regular file overwrite each other; a device such as /dev/null takes both. */
    private static void distinct(String flag, Path given, Path real, String otherFlag, Path otherReal) {
        if (real != null && real.equals(otherReal) && !(Files.exists(real) && !Files.isRegularFile(real))) {
            throw new IllegalArgumentException(flag + " " + given + ": " + otherFlag + " names the same file (" + real
                    + "): their records would overwrite each other; give two files");
        }
    }

    private static Path readable(String flag, Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(flag + " " + file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(flag + " " + file + ": is a folder: give a file of JSON lines, one"
                    + " record a line");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(flag + " " + file + ": cannot be read: check its permissions");
        }
        return realPathOrSelf(file.toAbsolutePath());
    }

    /**
     * The real path a write to {@code file} lands on, following links also to a file that is not there yet; it must
     * be neither the input nor the job file.
     */
    private static Path writable(String flag, Path file, Path input, Path job) {
        Path absolute = file.toAbsolutePath();
        Path real;
        if (Files.exists(absolute)) {
            if (Files.isDirectory(absolute)) {
                throw new IllegalArgumentException(flag + " " + file + ": is a folder: give a file name");
            }
            if (!Files.isWritable(absolute)) {
                throw new IllegalArgumentException(flag + " " + file + ": cannot be written: check its permissions");
            }
            real = realPathOrSelf(absolute);
        } else {
            // a dangling link names the file the write creates
            Path target = followLinks(flag, absolute);
            Path folder = target.getParent();
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException(flag + " " + file + ": the folder " + folder + " does not exist:"
                        + " create it first");
            }
            if (!Files.isWritable(folder)) {
                throw new IllegalArgumentException(flag + " " + file + ": cannot be written: check the permissions of"
                        + " the folder " + folder);
            }
            real = realPath(flag, folder).resolve(target.getFileName());
        }
        if (real.equals(input)) {
            throw new IllegalArgumentException(flag + " " + file + ": is the input file: the run would overwrite what it"
                    + " reads; write to another file");
        }
        if (real.equals(job)) {
            throw new IllegalArgumentException(flag + " " + file + ": is the job file: the run would overwrite it; write"
                    + " to another file");
        }
        return real;
    }

    /** Follows the links at the end of {@code path} until a file or a name that is not there. */
    private static Path followLinks(String flag, Path path) {
        Path target = path;
        try {
            for (int links = 0; Files.isSymbolicLink(target); links++) {
                if (links == MAX_LINKS) {
                    throw new IllegalArgumentException(flag + " " + path + ": too many symbolic links");
                }
                target = target.resolveSibling(Files.readSymbolicLink(target));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + path + ": cannot follow its link: " + e.getMessage());
        }
        return target;
    }

    /** A file's real path; a device reached through a magic link, such as /dev/stdout on a pipe, has none. */
    private static Path realPathOrSelf(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file;
        }
    }

    private static Path realPath(String what, Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + file + ": cannot be resolved: " + e.getMessage());
        }
    }
}

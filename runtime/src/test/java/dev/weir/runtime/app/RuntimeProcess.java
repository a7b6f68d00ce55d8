package dev.weir.runtime.app;

import dev.weir.runtime.local.KinesisLocalRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged runtime ({@code target/quarkus-app/quarkus-run.jar}) as a child process, as `weir` runs it. */
final class RuntimeProcess {
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    record Result(int exitCode, String stdout, String stderr) {}

    static ProcessBuilder builder(Path log, String... args) {
        return builder(log, List.of(), args);
    }

    static ProcessBuilder builder(Path log, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                // as ./weir passes it: the repository, whose installer a Kinesis job's local run uses
                "-D" + KinesisLocalRun.HOME_PROPERTY + "=" + Path.of("..").toAbsolutePath().normalize()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(false)
                .redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile())
                .redirectError(log.toFile());
    }

    /** Runs to completion (bounded) and returns exit code and output. */
    static Result run(Path workDir, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile(workDir, "weir", ".err");
        Process p = builder(log, args).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("weir " + String.join(" ", args) + " did not finish in " + timeoutSeconds
                    + "s; stderr:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log.resolveSibling(log.getFileName() + ".out")),
                Files.readString(log));
    }
}

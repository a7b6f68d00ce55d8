package dev.weir.operator;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test stand-in for a job's StatefulSet: runs the packaged runtime ({@code weir serve job.yaml}) as processes named
 * {@code <job>-0}, {@code <job>-1}… (POD_NAME, so static group membership as in a pod), each on a fresh state
 * directory as a pod's emptyDir; scaling down stops the highest ordinals with SIGTERM, as the kubelet does.
 */
final class RuntimePods implements AutoCloseable {
    /** The runtime as its module packages it; the reactor builds it before the operator's integration tests. */
    static final Path JAR = Path.of("../runtime/target/quarkus-app/quarkus-run.jar");
    private static final long STOP_SECONDS = 30;

    private final String name;
    private final Path jobFile;
    private final Path dir;
    private final List<Process> running = new ArrayList<>();
    private final List<Process> stopping = new ArrayList<>();
    private int starts;

    RuntimePods(String name, Path jobFile, Path dir) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: build the runtime first, e.g."
                    + " ./mvnw -B -pl operator -am verify");
        }
        this.name = name;
        this.jobFile = jobFile;
        this.dir = dir;
    }

    int size() {
        return running.size();
    }

    void scaleTo(int replicas) throws IOException {
        while (running.size() < replicas) {
            running.add(start(running.size()));
        }
        while (running.size() > replicas) {
            Process pod = running.remove(running.size() - 1);
            pod.destroy();
            stopping.add(pod);
        }
    }

    private Process start(int ordinal) throws IOException {
        String pod = name + "-" + ordinal;
        Path log = dir.resolve(pod + "." + (++starts) + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.management.port=" + freePort(), "-Dquarkus.http.port=0",
                "-jar", JAR.toString(), "serve", jobFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("POD_NAME", pod);
        builder.environment().put("WEIR_STATE_DIR", Files.createTempDirectory(dir, pod + "-state-").toString());
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.forEach(Process::destroy);
        stopping.addAll(running);
        running.clear();
        for (Process pod : stopping) {
            if (!pod.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                pod.destroyForcibly();
            }
        }
    }
}

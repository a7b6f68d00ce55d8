package dev.weir.e2e.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the harness runs in place of a container image: a local JVM program.
 *
 * @param entrypoint the command when the container sets none (the image's ENTRYPOINT), already in local terms
 * @param files      paths inside the image that commands name (the jar) → the local file
 * @param portEnv    containerPort → the environment variable that makes the program listen on another port, so the
 *                   harness can give every pod a free loopback port of its own
 * @param env        environment the harness adds, for listeners the pod spec does not declare (set to port 0)
 */
public record LocalImage(List<String> entrypoint, Map<String, Path> files, Map<Integer, String> portEnv,
                         Map<String, String> env) {
}

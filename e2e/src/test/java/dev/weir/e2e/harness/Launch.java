package dev.weir.e2e.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A container in local terms: the command with paths remapped, its whole environment, where it logs. */
record Launch(List<String> command, Map<String, String> env, Path workingDir, Path log) {
}

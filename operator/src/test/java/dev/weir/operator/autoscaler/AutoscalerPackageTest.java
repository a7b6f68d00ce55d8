package dev.weir.operator.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The decision code stays free of Kubernetes types, so it can be simulated and tested alone. */
class AutoscalerPackageTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/weir/operator/autoscaler");
    private static final List<String> FORBIDDEN = List.of("import io.fabric8", "import io.javaoperatorsdk",
            "import static io.fabric8", "import static io.javaoperatorsdk");

    @Test
    void importsNoKubernetesClientOrOperatorFramework() throws IOException {
        List<Path> files;
        try (Stream<Path> listed = Files.list(SOURCES)) {
            files = listed.filter(file -> file.toString().endsWith(".java")).toList();
        }
        assertFalse(files.isEmpty(), "no sources found under " + SOURCES.toAbsolutePath());
        List<String> offending = files.stream()
                .flatMap(file -> lines(file).stream()
                        .filter(line -> FORBIDDEN.stream().anyMatch(line.trim()::startsWith))
                        .map(line -> file.getFileName() + ": " + line.trim()))
                .toList();
        assertEquals(List.of(), offending, "the autoscaler package must not use Kubernetes or JOSDK types");
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }
}

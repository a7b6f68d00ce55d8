package dev.weir.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every StreamJob under examples/ reads strictly (no unknown field) and validates; every SQL example X-sql.yaml is
 * the twin of a YAML example X.yaml, which it must match (the runtime's WeirCommandLineIT runs both).
 */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    @Test
    void everyExampleIsAValidStreamJob() throws Exception {
        List<Path> files;
        try (Stream<Path> paths = Files.list(EXAMPLES)) {
            files = paths.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "examples/ holds StreamJobs");
        for (Path file : files) {
            StreamJob job = JobFiles.read(file);
            assertEquals(file.getFileName().toString().replace(".yaml", ""), job.getMetadata().getName(),
                    "an example's file is named after its job");
            String name = file.getFileName().toString();
            if (job.getSpec().sql != null) {
                assertTrue(name.endsWith("-sql.yaml"), name + ": a SQL example is named X-sql.yaml after its twin");
                assertTrue(files.contains(file.resolveSibling(name.replace("-sql.yaml", ".yaml"))),
                        name + " has a YAML twin");
            }
        }
    }
}

package dev.weir.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every StreamJob under examples/ reads strictly (no unknown field) and validates. */
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
        }
    }
}

package dev.weir.api.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD, and the Helm chart's copy of it, are what the model generates: a change to the model must come
 * with both files regenerated.
 */
class CrdFileTest {

    @Test
    void theCommittedCrdIsWhatTheModelGenerates() throws Exception {
        assertCommitted(CrdFile.generate(), CrdFile.COMMITTED, "crds/" + CrdFile.NAME);
    }

    @Test
    void theChartsCrdIsWhatTheModelGenerates() throws Exception {
        assertCommitted(CrdFile.generate(), CrdFile.IN_CHART, "charts/weir/crds/" + CrdFile.NAME);
    }

    private static void assertCommitted(String generated, Path file, String shownAs) throws Exception {
        if (Boolean.getBoolean("weir.crd.regenerate")) {
            Files.writeString(file, generated);
        }
        String committed = Files.exists(file) ? Files.readString(file) : "";
        assertEquals(generated, committed, shownAs + " differs from what the model in crds/src/main/java"
                + " generates. Regenerate it from the repository root with\n    " + CrdFile.REGENERATE
                + "\nand commit it with the model change.");
    }
}

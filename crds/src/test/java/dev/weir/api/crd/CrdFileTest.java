package dev.weir.api.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The committed CRD is what the model generates: a change to the model must come with the regenerated file. */
class CrdFileTest {

    @Test
    void theCommittedCrdIsWhatTheModelGenerates() throws Exception {
        String generated = CrdFile.generate();
        if (Boolean.getBoolean("weir.crd.regenerate")) {
            Files.writeString(CrdFile.COMMITTED, generated);
        }
        String committed = Files.exists(CrdFile.COMMITTED) ? Files.readString(CrdFile.COMMITTED) : "";
        assertEquals(generated, committed, "crds/" + CrdFile.NAME + " differs from what the model in"
                + " crds/src/main/java generates. Regenerate it from the repository root with\n    " + CrdFile.REGENERATE
                + "\nand commit it with the model change.");
    }
}

package dev.weir.charts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import org.junit.jupiter.api.Test;

/** What helm install prints: the next commands a user runs. */
class NotesTest {

    private static String notes(String... valuesFiles) {
        var install = new Helm(WeirChart.DIR).install().withName(WeirChart.RELEASE)
                .withNamespace(WeirChart.NAMESPACE).clientOnly().dryRun();
        Release release = install.call();
        return release.getOutput();
    }

    @Test
    void tellsTheUserToApplyAnExampleAndGetTheJobs() {
        String notes = notes();

        assertTrue(notes.contains("kubectl apply -n weir-system -f examples/sensor-aggregates.yaml"), notes);
        assertTrue(notes.contains("kubectl get sj -n weir-system"), notes);
        assertTrue(notes.contains("kubectl create serviceaccount weir-runtime -n <namespace>"), notes);
    }
}

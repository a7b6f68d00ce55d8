package dev.weir.charts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import org.junit.jupiter.api.Test;

/** What helm install prints: the next commands a user runs. */
class NotesTest {

    private static String notes(String... valuesFiles) {
        var install = new Helm(WeirChart.DIR).install().withName(WeirChart.RELEASE)
                .withNamespace(WeirChart.NAMESPACE).clientOnly().dryRun();
        for (String file : valuesFiles) {
            install.withValuesFile(WeirChart.valuesFile(file));
        }
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

    @Test
    void inNamespacedModeNamesTheWatchedNamespacesAndLeaderElection() {
        String notes = notes("namespaced.yaml");

        assertTrue(notes.contains("2 replicas, leader election on"), notes);
        assertTrue(notes.contains("It runs the StreamJobs of the namespaces team-a, team-b."), notes);
        assertTrue(notes.contains("kubectl get sj -n team-a"), notes);
        assertFalse(notes.contains("kubectl create serviceaccount"), "the chart created it in each namespace");
    }
}

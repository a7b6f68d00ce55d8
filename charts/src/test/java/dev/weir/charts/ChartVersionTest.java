package dev.weir.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart is versioned with the project, so its default image tags are the images this build makes. */
class ChartVersionTest {

    @Test
    void versionAndAppVersionAreTheProjectsVersion() throws Exception {
        Map<?, ?> chart = new KubernetesSerialization().unmarshal(
                Files.readString(WeirChart.DIR.resolve("Chart.yaml")), Map.class);

        assertEquals(WeirChart.VERSION, chart.get("version"), "charts/weir/Chart.yaml version: set it to the"
                + " project's version in pom.xml");
        assertEquals(WeirChart.VERSION, chart.get("appVersion"), "charts/weir/Chart.yaml appVersion: set it to the"
                + " project's version in pom.xml");
    }
}

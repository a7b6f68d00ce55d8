package dev.weir.charts;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** values.schema.json refuses a wrong value before anything renders, naming the value. */
class ValuesSchemaTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = ';', value = {
            "replicas; two",
            "replicas; 0",
            "logLevel; VERBOSE",
            "image.pullPolicy; Sometimes",
            "watchNamespaces; team-a",
            "serviceMonitor.enabled; maybe",
            "jobDefaults.checkpointLocation; bucket/prefix",
            "jobDefaults.tracingEndpoint; otel-collector:4317",
            "runtime.serviceAccount.name; Not_A_Name",
            "metrics.port; 80",
            "operatorReplicas; 2",
    })
    void refuses(String key, String value) {
        var refused = assertThrows(RuntimeException.class, () -> WeirChart.render(Map.of(key, value)));

        String message = refused.getMessage();
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        assertTrue(message.contains("values don't meet the specifications of the schema") && message.contains(leaf),
                message);
    }
}

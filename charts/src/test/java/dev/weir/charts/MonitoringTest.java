package dev.weir.charts;

import static dev.weir.charts.DefaultValuesTest.OPERATOR;
import static dev.weir.charts.WeirChart.NAMESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dashboard, the alerts and the runtime's ServiceMonitor as values shape them. That every metric they query is
 * exported is ChartMetricsIT's (operator module), which scrapes a running runtime and operator.
 */
class MonitoringTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDashboardIsAConfigMapTheGrafanaSidecarFindsByDefault() throws Exception {
        Rendered chart = WeirChart.render();
        ConfigMap dashboard = chart.one(ConfigMap.class, OPERATOR + "-dashboard", NAMESPACE);
        assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
        JsonNode json = JSON.readTree(dashboard.getData().get("weir.json"));
        assertEquals("weir-stream-jobs", json.get("uid").asText());
        assertTrue(json.get("panels").size() > 10, json.toString());
        assertEquals(List.of(), chart.all(GenericKubernetesResource.class), "no PrometheusRule or ServiceMonitor");
    }

    @Test
    void dashboardLabelNamespaceAndFolderAsAsked() {
        ConfigMap dashboard = WeirChart.render("everything-set.yaml").one(ConfigMap.class, OPERATOR + "-dashboard",
                "monitoring");
        assertEquals("weir", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals("Streaming", dashboard.getMetadata().getAnnotations().get("grafana_folder"));
    }

    @Test
    void theDashboardCanBeLeftOut() {
        Rendered chart = WeirChart.render(Map.of("grafanaDashboard.enabled", false));
        assertTrue(chart.all(ConfigMap.class).stream()
                .noneMatch(c -> c.getMetadata().getName().endsWith("-dashboard")), chart.summary().toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theAlertsTakeTheirLabelsDurationAndThreshold() {
        GenericKubernetesResource rule = WeirChart.render("everything-set.yaml")
                .one(GenericKubernetesResource.class, OPERATOR + "-alerts", NAMESPACE);
        assertEquals("PrometheusRule", rule.getKind());
        assertEquals("prometheus", rule.getMetadata().getLabels().get("release"));
        var groups = (List<Map<String, Object>>) ((Map<String, Object>) rule.getAdditionalProperties().get("spec"))
                .get("groups");
        var rules = (List<Map<String, Object>>) groups.get(0).get("rules");
        assertEquals(List.of("WeirJobLagOverTarget", "WeirCheckpointsFailing", "WeirRuntimeCrashLooping",
                "WeirDeadLetterRate"), rules.stream().map(r -> r.get("alert")).toList());
        rules.forEach(r -> assertEquals("5m", r.get("for")));
        assertTrue(((String) rules.get(3).get("expr")).endsWith("> 0.05"), (String) rules.get(3).get("expr"));
        assertTrue(((Map<String, String>) rules.get(0).get("annotations")).get("summary")
                .contains("{{ $labels.namespace }}/{{ $labels.job }}"), "Prometheus templates reach the rule");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRuntimePodsAreScrapedInTheWatchedNamespaces() {
        GenericKubernetesResource all = WeirChart.render("everything-set.yaml")
                .one(GenericKubernetesResource.class, OPERATOR + "-runtime", NAMESPACE);
        var spec = (Map<String, Object>) all.getAdditionalProperties().get("spec");
        assertEquals(Map.of("any", true), spec.get("namespaceSelector"));
        assertEquals("/q/metrics", ((List<Map<String, Object>>) spec.get("endpoints")).get(0).get("path"));

        GenericKubernetesResource watched = WeirChart.render(Map.of("serviceMonitor.enabled", true), "namespaced.yaml")
                .one(GenericKubernetesResource.class, OPERATOR + "-runtime", NAMESPACE);
        assertEquals(Map.of("matchNames", List.of("team-a", "team-b")),
                ((Map<String, Object>) watched.getAdditionalProperties().get("spec")).get("namespaceSelector"));
    }

    @Test
    void theOperatorTracesToItsEndpoint() {
        var env = DefaultValuesTest.env(DefaultValuesTest.operatorContainer(WeirChart.render("everything-set.yaml")));
        assertEquals("http://otel-collector.monitoring:4317", env.get("WEIR_TRACING_ENDPOINT").getValue());
        assertTrue(!DefaultValuesTest.env(DefaultValuesTest.operatorContainer(WeirChart.render()))
                .containsKey("WEIR_TRACING_ENDPOINT"));
    }
}

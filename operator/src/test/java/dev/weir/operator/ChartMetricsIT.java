package dev.weir.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import dev.weir.api.StreamJob;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.runtime.testing.KafkaBroker;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the chart's Grafana dashboard and PrometheusRule query is one that Weir exports: the chart rendered
 * by Helm, its queries parsed, and the names checked against what a running runtime ({@code /q/metrics} of the
 * packaged runtime serving a job with checkpoints on a real broker) and the operator (its Prometheus registry, while
 * it reconciles and autoscales that job on a real API server) expose.
 */
@ExtendWith(KafkaBroker.class)
class ChartMetricsIT {
    private static final Path CHART = Path.of("../charts/weir");
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final String NAMESPACE = "metrics";
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right");

    @TempDir
    Path tmp;

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsExported(KafkaBroker kafka) throws Exception {
        Map<String, Set<String>> queried = queriedMetrics();
        assertFalse(queried.isEmpty());

        String id = UUID.randomUUID().toString().substring(0, 8);
        String source = "metered-" + id;
        kafka.createTopic(source, 2);
        kafka.createTopic(source + "-out", 1);
        kafka.createTopic(source + "-dlq", 1);
        String spec = """
                spec:
                  source: {kafka: {bootstrapServers: "%s", topic: %s}}
                  eventTime: {field: t}
                  pipeline:
                    - window: {keyBy: k, tumbling: 1s, aggregate: {n: count()}}
                  sink: {kafka: {topic: %s-out}}
                  deadLetter: {kafka: {topic: %s-dlq}}
                  checkpoints: {location: "%s", interval: 1s}
                  scaling: {minReplicas: 1, maxReplicas: 2, pollInterval: 1s}
                """.formatted(kafka.bootstrapServers(), source, source, source,
                tmp.resolve("checkpoints").toUri());
        Path jobFile = tmp.resolve("job.yaml");
        Files.writeString(jobFile,
                "apiVersion: weir.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: metered}\n" + spec);
        List<String> records = new ArrayList<>(List.of("not json"));
        for (int i = 0; i < 50; i++) {
            records.add("{\"k\":\"k" + (i % 3) + "\",\"t\":" + (i * 200L) + "}");
        }
        kafka.produce(source, records);

        int port = freePort();
        Process runtime = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.management.port=" + port, "-Dquarkus.http.port=0",
                "-jar", RuntimePods.JAR.toString(), "serve", jobFile.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("runtime.log").toFile()).start();
        try (TestKubeApiServer apiServer = TestKubeApiServer.startWithStreamJobCrd();
             KubernetesClient operatorClient = apiServer.newClient()) {
            apiServer.createNamespace(NAMESPACE);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Operator operator = WeirOperator.start(operatorClient,
                    OperatorConfig.withoutLeaderElection("weir-runtime:it", Set.of()),
                    MicrometerMetrics.withoutPerResourceMetrics(registry), registry);
            try {
                StreamJob job = apiServer.client().getKubernetesSerialization().unmarshal("""
                        apiVersion: weir.dev/v1alpha1
                        kind: StreamJob
                        metadata: {name: metered, namespace: %s}
                        """.formatted(NAMESPACE) + spec, StreamJob.class);
                apiServer.client().resources(StreamJob.class).resource(job).create();
                HttpClient http = HttpClient.newHttpClient();
                Map<String, Set<String>> missing = new LinkedHashMap<>();
                try {
                    await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() -> {
                        Set<String> exported = new TreeSet<>(names(registry.scrape()));
                        exported.addAll(names(scrape(http, port)));
                        missing.clear();
                        queried.forEach((query, metrics) -> metrics.stream().filter(m -> !exported.contains(m))
                                .forEach(m -> missing.computeIfAbsent(m, x -> new TreeSet<>()).add(query)));
                        return missing.isEmpty();
                    });
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("queried but not exported, with the queries: " + missing
                            + "\nruntime log:\n" + Files.readString(tmp.resolve("runtime.log")), e);
                }
            } finally {
                operator.stop();
            }
        } finally {
            runtime.destroy();
            runtime.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void theQueryParserFindsMetricsNotFunctionsLabelsOrNumbers() {
        assertEquals(Set.of("a_total", "b_seconds"), metricNames("sum by (namespace, service)"
                + " (rate(a_total{x=~\"$job\", y=\"}\"}[$__rate_interval])) / clamp_min(b_seconds, 1e-9)"
                + " > on (namespace, job) 0.5"));
        assertEquals(Set.of("weir_job_lag_records"), metricNames("label_values(weir_job_lag_records{n=\"m\"}, job)"));
        assertEquals(Set.of("time_left"), metricNames("time() - time_left"));
    }

    /** The metric names of each query of the dashboard (panels and variables) and of the alert rules. */
    private static Map<String, Set<String>> queriedMetrics() throws IOException {
        String manifests = new Helm(CHART).template().withName("weir").withNamespace("weir-system")
                .set("prometheusRule.enabled", true).call();
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<String> queries = new ArrayList<>();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            if (document.lines().noneMatch(line -> line.startsWith("kind:"))) {
                continue;
            }
            HasMetadata object = serialization.unmarshal(document);
            if (object instanceof ConfigMap dashboard && dashboard.getMetadata().getName().endsWith("-dashboard")) {
                JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("weir.json"));
                json.findValues("expr").forEach(expr -> queries.add(expr.asText()));
                for (JsonNode variable : json.path("templating").path("list")) {
                    if (variable.path("query").has("query")) {
                        queries.add(variable.path("query").path("query").asText());
                    }
                }
            } else if (object instanceof GenericKubernetesResource rule && "PrometheusRule".equals(rule.getKind())) {
                for (Object r : (List<?>) rule.get("spec", "groups", 0, "rules")) {
                    queries.add(String.valueOf(((Map<?, ?>) r).get("expr")));
                }
            }
        }
        Map<String, Set<String>> metrics = new LinkedHashMap<>();
        for (String query : queries) {
            Set<String> names = metricNames(query);
            assertFalse(names.isEmpty(), "a query that names no metric: " + query);
            metrics.put(query, names);
        }
        assertEquals(true, metrics.size() > 20, "the dashboard's and the rules' queries: " + metrics.keySet());
        return metrics;
    }

    /** The metric names a PromQL query reads: identifiers that are not functions, keywords, labels or numbers. */
    static Set<String> metricNames(String query) {
        String q = query.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        if (q.startsWith("label_values(")) {
            q = q.substring("label_values(".length(), q.indexOf(','));
        }
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(q);
        while (m.find()) {
            if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Metric names in the Prometheus text format. */
    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static String scrape(HttpClient http, int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

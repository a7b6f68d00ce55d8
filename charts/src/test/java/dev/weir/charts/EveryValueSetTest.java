package dev.weir.charts;

import static dev.weir.charts.DefaultValuesTest.OPERATOR;
import static dev.weir.charts.WeirChart.NAMESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The optional values (src/test/resources/everything-set.yaml) reach the operator and the objects. */
class EveryValueSetTest {
    private final Rendered chart = WeirChart.render("everything-set.yaml");

    @Test
    void imagesComeFromTheRegistryWithTheirTags() {
        Container operator = DefaultValuesTest.operatorContainer(chart);
        Map<String, EnvVar> env = DefaultValuesTest.env(operator);

        assertEquals("registry.example.com/platform/weir/operator:1.2.3", operator.getImage());
        assertEquals("Always", operator.getImagePullPolicy());
        assertEquals("registry.example.com/platform/weir/runtime:1.2.4", env.get("WEIR_RUNTIME_IMAGE").getValue());
        assertEquals("Always", env.get("WEIR_RUNTIME_IMAGE_PULL_POLICY").getValue());
    }

    @Test
    void theOperatorPodsPullWithTheSecretAndScheduleAsAsked() {
        PodTemplateSpec pod = chart.one(Deployment.class, OPERATOR, NAMESPACE).getSpec().getTemplate();

        assertEquals("registry-credentials", pod.getSpec().getImagePullSecrets().get(0).getName());
        assertEquals(Map.of("kubernetes.io/os", "linux"), pod.getSpec().getNodeSelector());
        assertEquals("platform", pod.getSpec().getTolerations().get(0).getValue());
        assertEquals("platform", pod.getMetadata().getAnnotations().get("example.com/team"));
    }

    @Test
    void theOperatorGetsTheJobDefaultsAndTheLogLevel() {
        Map<String, EnvVar> env = DefaultValuesTest.env(DefaultValuesTest.operatorContainer(chart));

        assertEquals("s3://platform-bucket/weir", env.get("WEIR_DEFAULT_CHECKPOINT_LOCATION").getValue());
        assertEquals("http://otel-collector.monitoring:4317", env.get("WEIR_DEFAULT_TRACING_ENDPOINT").getValue());
        assertEquals("http://moto.kinesis:5000", env.get("WEIR_KINESIS_DYNAMODB_ENDPOINT").getValue());
        assertEquals("DEBUG", env.get("WEIR_LOG_LEVEL").getValue());
    }

    @Test
    void theRuntimeServiceAccountHasItsNameAndCloudIdentityAnnotation() {
        ServiceAccount runtime = chart.one(ServiceAccount.class, "stream-jobs", NAMESPACE);

        assertEquals("arn:aws:iam::123456789012:role/weir-runtime",
                runtime.getMetadata().getAnnotations().get("eks.amazonaws.com/role-arn"));
        assertEquals("stream-jobs", DefaultValuesTest.env(DefaultValuesTest.operatorContainer(chart))
                .get("WEIR_RUNTIME_SERVICE_ACCOUNT").getValue());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theServiceMonitorScrapesTheMetricsPort() {
        GenericKubernetesResource monitor = chart.one(GenericKubernetesResource.class, OPERATOR, NAMESPACE);

        assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
        assertEquals("ServiceMonitor", monitor.getKind());
        assertEquals("prometheus", monitor.getMetadata().getLabels().get("release"));
        var spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
        var endpoints = (List<Map<String, Object>>) spec.get("endpoints");
        assertEquals(Map.of("port", "metrics", "path", "/metrics", "interval", "15s", "honorLabels", true),
                endpoints.get(0));
    }
}

package dev.weir.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of the operator's test cluster: kube-api-test starts a real kube-apiserver and etcd from
 * the binaries {@code operator/kube/install-binaries.sh} provides, without downloading anything, and
 * the API server enforces the StreamJob CRD, its CEL rules included.
 */
class KubeApiServerIT {

    private static final Path KUBERNETES_GO_MOD = Path.of("kube", "kubernetes", "go.mod");
    private static final Path STREAMJOB_CRD = Path.of("..", "crds", "streamjobs.weir.dev-v1.yml");
    private static final String NAMESPACE = "weir-it";

    private static KubeAPIServer apiServer;
    private static KubernetesClient client;

    @BeforeAll
    static void startApiServerWithTheStreamJobCrd() throws IOException {
        String version = kubernetesVersion();
        apiServer = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withApiServerVersion(version)
                // a missing binary fails the test instead of starting a download this machine cannot make
                .withOfflineMode(true)
                .build());
        try {
            apiServer.start();
        } catch (KubeAPITestException e) {
            throw new IllegalStateException("kube-apiserver " + version + " did not start. Are its binaries"
                    + " installed (operator/kube/install-binaries.sh)? The servers' output is in"
                    + " target/kube-api-test.log", e);
        }
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml()))
                .build();

        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(STREAMJOB_CRD.toFile()).item();
        client.resource(crd).serverSideApply();
        client.resource(crd).waitUntilCondition(KubeApiServerIT::established, 30, TimeUnit.SECONDS);
        client.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .create();
    }

    @AfterAll
    static void stopApiServer() {
        if (client != null) {
            client.close();
        }
        if (apiServer != null) {
            apiServer.stop();
        }
    }

    @Test
    void storesAConfigMap() {
        client.resource(new ConfigMapBuilder()
                .withNewMetadata().withName("settings").withNamespace(NAMESPACE).endMetadata()
                .withData(Map.of("interval", "30s"))
                .build()).create();

        var stored = client.configMaps().inNamespace(NAMESPACE).withName("settings").get();

        assertEquals(Map.of("interval", "30s"), stored.getData());
    }

    @Test
    void acceptsAValidStreamJobAndAppliesTheSchemaDefaults() {
        streamJobs().resource(streamJob("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: readings}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                """)).create();

        GenericKubernetesResource stored = streamJobs().withName("readings").get();

        assertEquals("readings", stored.get("spec", "source", "kafka", "topic"));
        assertEquals("earliest", stored.get("spec", "source", "kafka", "startingOffsets"));
        assertEquals(false, stored.get("spec", "suspend"));
    }

    @Test
    void refusesAStreamJobWithTwoSourcesWithTheCelRulesMessage() {
        var twoSources = streamJob("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: two-sources}
                spec:
                  source:
                    kafka: {bootstrapServers: "kafka:9092", topic: readings}
                    kinesis: {stream: readings, region: eu-west-1}
                  sink: {kafka: {topic: aggregates}}
                  deadLetter: {kafka: {topic: readings-dlq}}
                """);

        var refused = assertThrows(KubernetesClientException.class,
                () -> streamJobs().resource(twoSources).create());

        assertEquals(422, refused.getCode(), refused::getMessage);
        assertTrue(refused.getStatus().getDetails().getCauses().stream()
                        .anyMatch(cause -> "spec.source".equals(cause.getField())
                                && cause.getMessage().contains("set exactly one of kafka or kinesis")),
                refused::getMessage);
        assertNull(streamJobs().withName("two-sources").get());
    }

    /** The version install-binaries.sh builds: the k8s.io/kubernetes its Go module requires. */
    private static String kubernetesVersion() throws IOException {
        Matcher required = Pattern.compile("^\\s*k8s\\.io/kubernetes v(\\S+)", Pattern.MULTILINE)
                .matcher(Files.readString(KUBERNETES_GO_MOD));
        if (!required.find()) {
            throw new IllegalStateException(KUBERNETES_GO_MOD + " does not require k8s.io/kubernetes");
        }
        return required.group(1);
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> streamJobs() {
        return client.genericKubernetesResources("weir.dev/v1alpha1", "StreamJob").inNamespace(NAMESPACE);
    }

    private static GenericKubernetesResource streamJob(String yaml) {
        return client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    }
}

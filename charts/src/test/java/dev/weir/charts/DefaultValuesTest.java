package dev.weir.charts;

import static dev.weir.charts.WeirChart.NAMESPACE;
import static dev.weir.charts.WeirChart.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The chart with its default values: the operator cluster-wide, one replica, no leader election. */
class DefaultValuesTest {
    static final String OPERATOR = "weir-operator";
    static final String RUNTIME_SERVICE_ACCOUNT = "weir-runtime";

    private final Rendered chart = WeirChart.render();

    static Map<String, EnvVar> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    static Container operatorContainer(Rendered chart) {
        return chart.one(Deployment.class, OPERATOR, NAMESPACE).getSpec().getTemplate().getSpec().getContainers()
                .get(0);
    }

    @Test
    void rendersTheOperatorItsAccountsAClusterRoleAndTheMetricsService() {
        assertEquals(List.of(
                "ServiceAccount weir-system/weir-operator",
                "ServiceAccount weir-system/weir-runtime",
                "ConfigMap weir-system/weir-operator-dashboard",
                "ClusterRole null/weir-operator",
                "ClusterRoleBinding null/weir-operator",
                "Service weir-system/weir-operator",
                "Deployment weir-system/weir-operator"), chart.summary());
        assertTrue(chart.all(Role.class).isEmpty());
        assertTrue(chart.all(RoleBinding.class).isEmpty());
    }

    @Test
    void theClusterRoleGrantsExactlyWhatDocsHelmMdLists() {
        ClusterRole role = chart.one(ClusterRole.class, OPERATOR, null);

        assertEquals(DocumentedRbac.permissions(DocumentedRbac.OPERATOR_TABLE),
                DocumentedRbac.permissions(role.getRules()));
        ClusterRoleBinding binding = chart.one(ClusterRoleBinding.class, OPERATOR, null);
        assertEquals(OPERATOR, binding.getRoleRef().getName());
        assertEquals("ClusterRole", binding.getRoleRef().getKind());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        assertEquals(OPERATOR, binding.getSubjects().get(0).getName());
        assertEquals(NAMESPACE, binding.getSubjects().get(0).getNamespace());
    }

    @Test
    void theOperatorRunsOneReplicaWithTheImagesOfTheProjectsVersion() {
        Deployment deployment = chart.one(Deployment.class, OPERATOR, NAMESPACE);
        Container operator = operatorContainer(chart);
        Map<String, EnvVar> env = env(operator);

        assertEquals(1, deployment.getSpec().getReplicas());
        assertEquals(OPERATOR, deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals("weir/operator:" + VERSION, operator.getImage());
        assertEquals("IfNotPresent", operator.getImagePullPolicy());
        assertEquals("weir/runtime:" + VERSION, env.get("WEIR_RUNTIME_IMAGE").getValue());
        assertEquals("IfNotPresent", env.get("WEIR_RUNTIME_IMAGE_PULL_POLICY").getValue());
        assertEquals(RUNTIME_SERVICE_ACCOUNT, env.get("WEIR_RUNTIME_SERVICE_ACCOUNT").getValue());
        assertEquals("metadata.name", env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath());
        assertEquals("8080", env.get("WEIR_OPERATOR_PORT").getValue());
        assertEquals("INFO", env.get("WEIR_LOG_LEVEL").getValue());
        for (String absent : List.of("WATCH_NAMESPACES", "WEIR_LEADER_ELECTION_NAMESPACE",
                "WEIR_DEFAULT_CHECKPOINT_LOCATION", "WEIR_DEFAULT_TRACING_ENDPOINT", "WEIR_KINESIS_DYNAMODB_ENDPOINT")) {
            assertFalse(env.containsKey(absent), absent + " is set: " + env.keySet());
        }
    }

    @Test
    void theOperatorPodIsNonRootWithAReadOnlyRootAndNoCapabilities() {
        PodSpec pod = chart.one(Deployment.class, OPERATOR, NAMESPACE).getSpec().getTemplate().getSpec();
        Container operator = pod.getContainers().get(0);

        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(185L, pod.getSecurityContext().getRunAsUser());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertTrue(operator.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(operator.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), operator.getSecurityContext().getCapabilities().getDrop());
        assertTrue(operator.getSecurityContext().getCapabilities().getAdd().isEmpty());
        assertEquals("/tmp", operator.getVolumeMounts().get(0).getMountPath(), "the JVM's writable scratch space");
        assertEquals("/healthz/live", operator.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/healthz/ready", operator.getReadinessProbe().getHttpGet().getPath());
    }

    @Test
    void theMetricsServiceSelectsTheOperatorPods() {
        Service service = chart.one(Service.class, OPERATOR, NAMESPACE);
        Deployment deployment = chart.one(Deployment.class, OPERATOR, NAMESPACE);

        assertEquals(deployment.getSpec().getSelector().getMatchLabels(), service.getSpec().getSelector());
        assertTrue(deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(service.getSpec().getSelector().entrySet()));
        assertEquals("metrics", service.getSpec().getPorts().get(0).getName());
        assertEquals("http", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        assertEquals(8080, operatorContainer(chart).getPorts().get(0).getContainerPort());
    }

    @Test
    void theRuntimeServiceAccountMountsNoToken() {
        ServiceAccount runtime = chart.one(ServiceAccount.class, RUNTIME_SERVICE_ACCOUNT, NAMESPACE);

        assertFalse(runtime.getAutomountServiceAccountToken());
    }
}

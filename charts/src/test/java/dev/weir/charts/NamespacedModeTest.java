package dev.weir.charts;

import static dev.weir.charts.DefaultValuesTest.OPERATOR;
import static dev.weir.charts.DefaultValuesTest.RUNTIME_SERVICE_ACCOUNT;
import static dev.weir.charts.WeirChart.NAMESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** watchNamespaces [team-a, team-b] and two replicas: namespaced RBAC only, and leader election. */
class NamespacedModeTest {
    private static final List<String> WATCHED = List.of("team-a", "team-b");
    private static final String LEADER_ELECTION = OPERATOR + "-leader-election";

    private final Rendered chart = WeirChart.render("namespaced.yaml");

    @Test
    void nothingIsClusterWide() {
        assertTrue(chart.all(ClusterRole.class).isEmpty(), chart.summary().toString());
        assertTrue(chart.all(ClusterRoleBinding.class).isEmpty(), chart.summary().toString());
    }

    @Test
    void eachWatchedNamespaceHasARoleWithWhatDocsHelmMdListsBoundToTheOperator() {
        for (String namespace : WATCHED) {
            Role role = chart.one(Role.class, OPERATOR, namespace);
            assertEquals(DocumentedRbac.permissions(DocumentedRbac.OPERATOR_TABLE),
                    DocumentedRbac.permissions(role.getRules()), namespace);

            RoleBinding binding = chart.one(RoleBinding.class, OPERATOR, namespace);
            assertEquals("Role", binding.getRoleRef().getKind());
            assertEquals(OPERATOR, binding.getRoleRef().getName());
            assertEquals(OPERATOR, binding.getSubjects().get(0).getName());
            assertEquals(NAMESPACE, binding.getSubjects().get(0).getNamespace());
        }
        assertEquals(WATCHED.size() + 1, chart.all(Role.class).size(), "the watched namespaces' and the Lease's");
    }

    @Test
    void twoReplicasElectALeaderThroughALeaseInTheReleaseNamespace() {
        Deployment deployment = chart.one(Deployment.class, OPERATOR, NAMESPACE);
        Map<String, EnvVar> env = DefaultValuesTest.env(DefaultValuesTest.operatorContainer(chart));

        assertEquals(2, deployment.getSpec().getReplicas());
        assertEquals(NAMESPACE, env.get("WEIR_LEADER_ELECTION_NAMESPACE").getValue());
        assertEquals("metadata.name", env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath(),
                "each replica's identity in the Lease");

        Role leases = chart.one(Role.class, LEADER_ELECTION, NAMESPACE);
        assertEquals(DocumentedRbac.permissions(DocumentedRbac.LEADER_ELECTION_TABLE),
                DocumentedRbac.permissions(leases.getRules()));
        RoleBinding binding = chart.one(RoleBinding.class, LEADER_ELECTION, NAMESPACE);
        assertEquals(LEADER_ELECTION, binding.getRoleRef().getName());
        assertEquals(OPERATOR, binding.getSubjects().get(0).getName());
    }

    @Test
    void theOperatorWatchesTheNamespacesWhereTheRuntimeAccountExists() {
        Map<String, EnvVar> env = DefaultValuesTest.env(DefaultValuesTest.operatorContainer(chart));

        assertEquals(String.join(",", WATCHED), env.get("WATCH_NAMESPACES").getValue());
        for (String namespace : WATCHED) {
            chart.one(ServiceAccount.class, RUNTIME_SERVICE_ACCOUNT, namespace);
        }
        assertEquals(WATCHED.size() + 1, chart.all(ServiceAccount.class).size(), "the operator's and the runtime's");
    }

    @Test
    void oneReplicaHasNoLeaderElection() {
        Rendered single = WeirChart.render(Map.of("replicas", 1), "namespaced.yaml");

        assertTrue(DefaultValuesTest.env(DefaultValuesTest.operatorContainer(single)).keySet().stream()
                .noneMatch("WEIR_LEADER_ELECTION_NAMESPACE"::equals));
        assertTrue(single.all(Role.class).stream().noneMatch(role -> LEADER_ELECTION.equals(
                role.getMetadata().getName())), single.summary().toString());
    }
}

package dev.weir.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

    @Test
    void watchesAllNamespacesWithoutLeaderElectionByDefault() {
        OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.RUNTIME_IMAGE, "weir-runtime:1"));

        assertEquals("weir-runtime:1", config.runtimeImage());
        assertTrue(config.watchesAllNamespaces());
        assertEquals(Optional.empty(), config.leaseNamespace());
        assertEquals(Optional.empty(), config.kinesisLeaseEndpoint(), "AWS's DynamoDB of the stream's region");
    }

    @Test
    void readsWhereKinesisLeaseTablesAre() {
        OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(
                OperatorConfig.RUNTIME_IMAGE, "weir-runtime:1",
                OperatorConfig.KINESIS_LEASE_ENDPOINT, " http://moto.weir-system:5000 "));

        assertEquals(Optional.of(URI.create("http://moto.weir-system:5000")), config.kinesisLeaseEndpoint());
    }

    @Test
    void readsTheWatchedNamespacesAndTheLeaseNamespace() {
        OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(
                OperatorConfig.RUNTIME_IMAGE, "weir-runtime:1",
                OperatorConfig.WATCH_NAMESPACES, " team-a, team-b ,",
                OperatorConfig.LEASE_NAMESPACE, "weir-system",
                OperatorConfig.LEASE_IDENTITY, "weir-operator-7d9f-abcde"));

        assertEquals(Set.of("team-a", "team-b"), config.watchNamespaces());
        assertEquals(Optional.of("weir-system"), config.leaseNamespace());
        assertEquals(Optional.of("weir-operator-7d9f-abcde"), config.leaseIdentity());
        assertTrue(config.exitOnLostLeadership());
    }

    @Test
    void refusesToStartWithoutARuntimeImage() {
        var refused = assertThrows(IllegalArgumentException.class, () -> OperatorConfig.fromEnvironment(Map.of()));

        assertTrue(refused.getMessage().contains(OperatorConfig.RUNTIME_IMAGE), refused.getMessage());
    }
}

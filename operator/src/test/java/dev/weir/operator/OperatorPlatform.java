package dev.weir.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the operator's ITs run against, once per test class: a real kube-apiserver with etcd and the StreamJob CRD,
 * the class's namespaces, optionally the garbage collector, and optionally the operator on a client of its own
 * (so that a test's requests and the operator's are not one connection pool). Registered as a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final OperatorPlatform platform = OperatorPlatform.withNamespaces("jobs")
 *         .withOperator(client -> WeirOperator.start(client, config, Metrics.NOOP));
 * }</pre>
 *
 * Extensions it depends on (a broker, an S3 server, a collector) are registered with a lower {@code @Order}.
 * Stopped in reverse order after the class: the operator, its client, the API server and its processes.
 */
final class OperatorPlatform implements BeforeAllCallback, AfterAllCallback {
    /** Starts the operator on the client it is given. */
    @FunctionalInterface
    interface OperatorStart {
        Operator start(KubernetesClient operatorClient) throws Exception;
    }

    /** Anything the operator needs in the cluster before it starts (Secrets, buckets). */
    @FunctionalInterface
    interface Setup {
        void run(OperatorPlatform platform) throws Exception;
    }

    private final List<String> namespaces;
    private final List<Setup> setups = new ArrayList<>();
    private final List<AutoCloseable> afterOperator = new ArrayList<>();
    private boolean garbageCollector;
    private OperatorStart operatorStart;
    private Function<TestKubeApiServer, KubernetesClient> operatorClientFactory = TestKubeApiServer::newClient;
    private TestKubeApiServer apiServer;
    private KubernetesClient operatorClient;
    private Operator operator;

    private OperatorPlatform(List<String> namespaces) {
        this.namespaces = List.copyOf(namespaces);
    }

    static OperatorPlatform withNamespaces(String... namespaces) {
        return new OperatorPlatform(List.of(namespaces));
    }

    /** Runs the garbage collector, which deletes what a deleted StreamJob owned. */
    OperatorPlatform withGarbageCollector() {
        garbageCollector = true;
        return this;
    }

    /** Runs {@code setup} once the namespaces exist, before the operator starts. */
    OperatorPlatform withSetup(Setup setup) {
        setups.add(setup);
        return this;
    }

    /** Starts an operator for the whole class; without it, tests start their own. */
    OperatorPlatform withOperator(OperatorStart start) {
        operatorStart = start;
        return this;
    }

    /** Gives the operator the client {@code factory} makes (one that counts its requests, say) instead of a plain one. */
    OperatorPlatform withOperatorClient(Function<TestKubeApiServer, KubernetesClient> factory) {
        operatorClientFactory = factory;
        return this;
    }

    /** Closes {@code closeable} once the operator has stopped (what the operator was given, e.g. its tracing). */
    <T extends AutoCloseable> T closeAfterTheOperator(T closeable) {
        afterOperator.add(closeable);
        return closeable;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        apiServer = TestKubeApiServer.startWithStreamJobCrd();
        namespaces.forEach(apiServer::createNamespace);
        if (garbageCollector) {
            apiServer.startGarbageCollector();
        }
        for (Setup setup : setups) {
            setup.run(this);
        }
        if (operatorStart != null) {
            operatorClient = operatorClientFactory.apply(apiServer);
            operator = operatorStart.start(operatorClient);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (operator != null) {
            operator.stop();
        }
        for (AutoCloseable closeable : afterOperator) {
            closeable.close();
        }
        if (operatorClient != null) {
            operatorClient.close();
        }
        if (apiServer != null) {
            apiServer.close();
        }
    }

    TestKubeApiServer apiServer() {
        return Objects.requireNonNull(apiServer, "the API server starts before the class's tests");
    }

    /** The tests' client, with the API server's administrator identity. */
    KubernetesClient client() {
        return apiServer().client();
    }

    Operator operator() {
        return Objects.requireNonNull(operator, "no operator: register the platform withOperator");
    }
}

package dev.weir.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The operator's own HTTP endpoints, for the kubelet and Prometheus: {@value #LIVE}, {@value #READY} and
 * {@value #METRICS} (JOSDK's reconcile metrics, Prometheus text format).
 */
public final class OperatorEndpoints implements AutoCloseable {
    /** The port, {@value #DEFAULT_PORT} unless this environment variable says otherwise. */
    public static final String PORT = "WEIR_OPERATOR_PORT";
    public static final int DEFAULT_PORT = 8080;
    public static final String LIVE = "/healthz/live";
    public static final String READY = "/healthz/ready";
    public static final String METRICS = "/metrics";

    private final HttpServer server;

    private OperatorEndpoints(HttpServer server) {
        this.server = server;
    }

    /** Serves on {@code port} (0: any free port) until closed. */
    public static OperatorEndpoints start(int port, Operator operator, PrometheusMeterRegistry registry)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        // live while the process answers: JOSDK ends the process itself when it cannot go on
        server.createContext(LIVE, exchange -> respond(exchange, 200, "text/plain", "live\n"));
        server.createContext(READY, exchange -> {
            var runtime = operator.getRuntimeInfo();
            boolean ready = runtime.isStarted() && runtime.allEventSourcesAreHealthy();
            respond(exchange, ready ? 200 : 503, "text/plain",
                    ready ? "ready\n" : "not ready: " + runtime.unhealthyEventSources() + "\n");
        });
        server.createContext(METRICS, exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        server.start();
        return new OperatorEndpoints(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}

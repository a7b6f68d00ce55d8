package dev.weir.e2e.harness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.fabric8.kubernetes.api.model.Probe;

/** A container's httpGet probe against its remapped loopback port; a kubelet counts 200–399 as success. */
record HttpProbe(URI uri, Duration initialDelay, Duration period, Duration timeout, int successThreshold,
                 int failureThreshold) {
    static final String ONLY_HTTP_GET = "probes: only httpGet is emulated (see docs/e2e.md)";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** The kubelet's defaults fill what the probe leaves out. */
    static HttpProbe of(Probe probe, int localPort) {
        String path = probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath();
        return new HttpProbe(URI.create("http://127.0.0.1:" + localPort + path),
                Duration.ofSeconds(orDefault(probe.getInitialDelaySeconds(), 0)),
                Duration.ofSeconds(orDefault(probe.getPeriodSeconds(), 10)),
                Duration.ofSeconds(orDefault(probe.getTimeoutSeconds(), 1)),
                orDefault(probe.getSuccessThreshold(), 1),
                orDefault(probe.getFailureThreshold(), 3));
    }

    boolean succeeds() {
        try {
            int status = HTTP.send(HttpRequest.newBuilder(uri).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            return status >= 200 && status < 400;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}

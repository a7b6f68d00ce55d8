package dev.weir.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests to the API server, counted by {@code "VERB resource[/subresource]"}: from one client's side (an
 * {@link Interceptor} on the operator's client sees each request it sends), and from the server's
 * ({@code apiserver_request_total} on its {@code /metrics}, which counts every client's).
 */
final class ApiRequests implements Interceptor {
    /** The verbs that change something, as the client sends them and as the API server counts them. */
    static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION");
    private static final Pattern REQUEST_TOTAL = Pattern.compile("^apiserver_request_total\\{([^}]*)} (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        String query = request.uri().getQuery();
        String verb = "GET".equals(request.method()) && query != null && query.contains("watch=true") ? "WATCH"
                : request.method();
        sent.computeIfAbsent(verb + " " + resource(request.uri().getPath()), key -> new LongAdder()).increment();
    }

    /** What the client sent so far. */
    Map<String, Long> sent() {
        Map<String, Long> counts = new TreeMap<>();
        sent.forEach((key, count) -> counts.put(key, count.sum()));
        return counts;
    }

    /**
     * What the API server counted so far for {@code resources}, over every client, from its metrics endpoint: long
     * requests (watches) count when they end.
     */
    static Map<String, Long> counted(KubernetesClient admin, Set<String> resources) {
        String metrics = admin.raw(admin.getMasterUrl().toString().replaceAll("/$", "") + "/metrics");
        if (metrics == null) {
            throw new IllegalStateException("the API server's /metrics did not answer");
        }
        Map<String, Long> counts = new TreeMap<>();
        Matcher series = REQUEST_TOTAL.matcher(metrics);
        while (series.find()) {
            Map<String, String> labels = new TreeMap<>();
            Matcher label = LABEL.matcher(series.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            if (resources.contains(labels.getOrDefault("resource", ""))) {
                String subresource = labels.getOrDefault("subresource", "");
                counts.merge(labels.get("verb") + " " + labels.get("resource")
                        + (subresource.isEmpty() ? "" : "/" + subresource),
                        (long) Double.parseDouble(series.group(2)), Long::sum);
            }
        }
        return counts;
    }

    /** {@code after − before} per key, without the keys that did not change. */
    static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new TreeMap<>();
        after.forEach((key, count) -> {
            long more = count - before.getOrDefault(key, 0L);
            if (more != 0) {
                delta.put(key, more);
            }
        });
        return delta;
    }

    /** The writes among {@code counts}. */
    static Map<String, Long> writes(Map<String, Long> counts) {
        Map<String, Long> writes = new TreeMap<>(counts);
        writes.keySet().removeIf(key -> !WRITES.contains(key.substring(0, key.indexOf(' '))));
        return writes;
    }

    static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * {@code /api/v1/namespaces/a/configmaps/x} → {@code configmaps}; {@code /apis/weir.dev/v1alpha1/namespaces/a/
     * streamjobs/x/status} → {@code streamjobs/status}.
     */
    static String resource(String path) {
        List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/"));
        // past /api/<version> or /apis/<group>/<version>
        int at = parts.isEmpty() ? 0 : "api".equals(parts.get(0)) ? 2 : 3;
        if (parts.size() > at + 1 && "namespaces".equals(parts.get(at))) {
            at += 2;
        }
        if (at >= parts.size()) {
            return path;
        }
        String resource = parts.get(at);
        return parts.size() > at + 2 ? resource + "/" + parts.get(at + 2) : resource;
    }
}

package dev.weir.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.operator.TestKubeApiServer;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One user's requests in the API server's audit log, as the RBAC permissions they were authorized on
 * ({@code group/resource[/subresource] verb}, core group empty), and those the API server refused (403). A refusal
 * received while a restarted API server was starting is kept apart: until its RBAC caches are filled, a starting
 * kube-apiserver refuses requests its roles grant (kubernetes/kubernetes#121635); the fault run restarts it.
 */
final class AuditedRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> used = new TreeSet<>();
    private final Set<String> refused = new TreeSet<>();
    private final Set<String> refusedWhileStarting = new TreeSet<>();

    private AuditedRequests() {
    }

    static AuditedRequests of(Path auditLog, String username, List<TestKubeApiServer.Startup> restarts)
            throws IOException {
        AuditedRequests requests = new AuditedRequests();
        for (String line : Files.readAllLines(auditLog)) {
            JsonNode event = JSON.readTree(line);
            JsonNode object = event.path("objectRef");
            if (!username.equals(event.path("user").path("username").asText()) || object.isMissingNode()) {
                continue;
            }
            String resource = object.path("apiGroup").asText("") + "/" + object.path("resource").asText()
                    + (object.hasNonNull("subresource") ? "/" + object.path("subresource").asText() : "");
            String verb = event.path("verb").asText();
            int code = event.path("responseStatus").path("code").asInt();
            if (code == 403) {
                Instant received = Instant.parse(event.path("requestReceivedTimestamp").asText());
                String request = resource + " " + verb + " " + event.path("requestURI").asText();
                if (restarts.stream().anyMatch(startup -> startup.contains(received))) {
                    requests.refusedWhileStarting.add(request + " at " + received);
                } else {
                    requests.refused.add(request);
                }
                continue;
            }
            requests.used.add(resource + " " + verb);
            // a server-side apply that made the object (201) was authorized on create as well as patch
            if ("patch".equals(verb) && code == 201) {
                requests.used.add(resource + " create");
            }
        }
        return requests;
    }

    /** The permissions the rules grant, in the same form. */
    static Set<String> granted(List<PolicyRule> rules) {
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    rule.getVerbs().forEach(verb -> granted.add(group + "/" + resource + " " + verb));
                }
            }
        }
        return granted;
    }

    Set<String> used() {
        return used;
    }

    Set<String> refused() {
        return refused;
    }

    /** The refusals received while a restarted API server was starting, with when. */
    Set<String> refusedWhileStarting() {
        return refusedWhileStarting;
    }
}

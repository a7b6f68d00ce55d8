package dev.weir.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.operator.TestKubeApiServer;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditedRequestsTest {
    private static final String USER = "system:serviceaccount:weir:weir-operator";

    @Test
    void aServerSideApplyThatMadeTheObjectUsedCreateRefusedRequestsAreApartAndOtherUsersDoNotCount(@TempDir Path dir)
            throws IOException {
        Path log = Files.write(dir.resolve("audit.log"), List.of(
                event(USER, "apps", "statefulsets", null, "patch", 201),
                event(USER, "apps", "statefulsets", null, "patch", 200),
                event(USER, null, "configmaps", null, "watch", 101),
                event(USER, "weir.dev", "streamjobs", "status", "patch", 200),
                event(USER, null, "pods", null, "delete", 403),
                event("system:serviceaccount:weir:other", null, "secrets", null, "list", 200)));
        AuditedRequests requests = AuditedRequests.of(log, USER, List.of());
        assertEquals(Set.of("apps/statefulsets create", "apps/statefulsets patch", "/configmaps watch",
                "weir.dev/streamjobs/status patch"), requests.used());
        assertEquals(Set.of("/pods delete /api/v1/namespaces/weir/pods"), requests.refused());
    }

    @Test
    void aRefusalWhileARestartedApiServerWasStartingIsKeptApart(@TempDir Path dir) throws IOException {
        Path log = Files.write(dir.resolve("audit.log"), List.of(
                event(USER, "weir.dev", "streamjobs", null, "get", 403, "2026-12-07T14:25:06.999999Z"),
                event(USER, "weir.dev", "streamjobs", null, "list", 403, "2026-12-07T14:25:07.250000Z"),
                event(USER, "weir.dev", "streamjobs", null, "watch", 403, "2026-12-07T14:25:08.000001Z")));
        AuditedRequests requests = AuditedRequests.of(log, USER, List.of(new TestKubeApiServer.Startup(
                Instant.parse("2026-12-07T14:25:07Z"), Instant.parse("2026-12-07T14:25:08Z"))));
        assertEquals(Set.of("weir.dev/streamjobs get /api/v1/namespaces/weir/streamjobs",
                "weir.dev/streamjobs watch /api/v1/namespaces/weir/streamjobs"), requests.refused());
        assertEquals(Set.of("weir.dev/streamjobs list /api/v1/namespaces/weir/streamjobs at 2026-12-07T14:25:07.250Z"),
                requests.refusedWhileStarting());
    }

    @Test
    void theRulesGrantEachGroupResourceAndVerb() {
        assertEquals(Set.of("/configmaps list", "/configmaps update", "/services list", "/services update"),
                AuditedRequests.granted(List.of(new PolicyRuleBuilder().withApiGroups("")
                        .withResources("configmaps", "services").withVerbs("list", "update").build())));
    }

    private static String event(String user, String group, String resource, String subresource, String verb,
                                int code) {
        return event(user, group, resource, subresource, verb, code, "2026-12-07T12:00:00.000000Z");
    }

    private static String event(String user, String group, String resource, String subresource, String verb,
                                int code, String received) {
        return """
                {"kind":"Event","stage":"ResponseComplete","verb":"%s","requestURI":"/api/v1/namespaces/weir/%s",\
                "user":{"username":"%s"},"objectRef":{"resource":"%s","namespace":"weir"%s%s},\
                "requestReceivedTimestamp":"%s","responseStatus":{"code":%d}}""".formatted(verb, resource, user,
                resource, group == null ? "" : ",\"apiGroup\":\"" + group + "\"",
                subresource == null ? "" : ",\"subresource\":\"" + subresource + "\"", received, code);
    }
}

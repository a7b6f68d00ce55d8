package dev.weir.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        AuditedRequests requests = AuditedRequests.of(log, USER);
        assertEquals(Set.of("apps/statefulsets create", "apps/statefulsets patch", "/configmaps watch",
                "weir.dev/streamjobs/status patch"), requests.used());
        assertEquals(Set.of("/pods delete /api/v1/namespaces/weir/pods"), requests.refused());
    }

    @Test
    void theRulesGrantEachGroupResourceAndVerb() {
        assertEquals(Set.of("/configmaps list", "/configmaps update", "/services list", "/services update"),
                AuditedRequests.granted(List.of(new PolicyRuleBuilder().withApiGroups("")
                        .withResources("configmaps", "services").withVerbs("list", "update").build())));
    }

    private static String event(String user, String group, String resource, String subresource, String verb,
                                int code) {
        return """
                {"kind":"Event","stage":"ResponseComplete","verb":"%s","requestURI":"/api/v1/namespaces/weir/%s",\
                "user":{"username":"%s"},"objectRef":{"resource":"%s","namespace":"weir"%s%s},\
                "responseStatus":{"code":%d}}""".formatted(verb, resource, user, resource,
                group == null ? "" : ",\"apiGroup\":\"" + group + "\"",
                subresource == null ? "" : ",\"subresource\":\"" + subresource + "\"", code);
    }
}

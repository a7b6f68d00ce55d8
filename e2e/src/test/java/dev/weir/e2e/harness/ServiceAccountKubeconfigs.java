package dev.weir.e2e.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * In place of the token a kubelet mounts at {@code /var/run/secrets/kubernetes.io/serviceaccount} (a path a local
 * process cannot be given), a kubeconfig for the pod's ServiceAccount with a token from the TokenRequest API, bound to
 * the pod; the process gets it as {@code KUBECONFIG}, so it has exactly the RBAC the ServiceAccount is granted.
 */
final class ServiceAccountKubeconfigs {
    private static final long TOKEN_SECONDS = 24 * 3600L;

    private final KubernetesClient client;
    private final Config admin;

    ServiceAccountKubeconfigs(KubernetesClient client) {
        this.client = client;
        this.admin = client.getConfiguration();
    }

    Optional<Path> forPod(Pod pod, Path podDir) throws IOException {
        if (Boolean.FALSE.equals(pod.getSpec().getAutomountServiceAccountToken())) {
            return Optional.empty();
        }
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
        ServiceAccount account = client.serviceAccounts().inNamespace(namespace).withName(name).get();
        if (account == null) {
            throw new IllegalArgumentException("serviceAccountName " + name + ": no such ServiceAccount in " + namespace);
        }
        if (pod.getSpec().getAutomountServiceAccountToken() == null
                && Boolean.FALSE.equals(account.getAutomountServiceAccountToken())) {
            return Optional.empty();
        }
        TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(TOKEN_SECONDS)
                .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).endBoundObjectRef().endSpec().build();
        String token = client.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request)
                .getStatus().getToken();
        return Optional.of(Files.writeString(podDir.resolve("serviceaccount.kubeconfig"), kubeconfig(namespace, token)));
    }

    private String kubeconfig(String namespace, String token) throws IOException {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: harness
                    cluster: {server: "%s", certificate-authority-data: "%s"}
                users:
                  - name: pod
                    user: {token: "%s"}
                contexts:
                  - name: pod
                    context: {cluster: harness, user: pod, namespace: "%s"}
                current-context: pod
                """.formatted(admin.getMasterUrl(), certificateAuthority(), token, namespace);
    }

    private String certificateAuthority() throws IOException {
        if (admin.getCaCertData() != null) {
            return admin.getCaCertData();
        }
        return Base64.getEncoder().encodeToString(Files.readString(Path.of(admin.getCaCertFile()))
                .getBytes(StandardCharsets.UTF_8));
    }
}

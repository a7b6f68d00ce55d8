package dev.weir.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * One pod on the harness's node: its volumes as directories under {@code <root>/<namespace>/<pod>/}, its containers as
 * {@link ContainerProcess}es, and the pod status a kubelet would write. Paths under a volume's mount path in the
 * command, args and env are rewritten to the volume's directory; {@code java} and the image's files (the jar) to the
 * local ones; each containerPort to a free loopback port, passed through the image's port variable.
 */
final class PodSandbox {
    static final String LOOPBACK = "127.0.0.1";
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    /** The downward API's fieldRef to one annotation or label. */
    private static final Pattern METADATA_ENTRY = Pattern.compile("metadata\\.(annotations|labels)\\['([^']+)'\\]");

    private final KubernetesClient client;
    private final Pod pod;
    private final ImageTable images;
    private final Path dir;
    private final ScheduledExecutorService scheduler;
    private final ServiceAccountKubeconfigs kubeconfigs;
    private final Map<String, Path> volumeDirs = new HashMap<>();
    private final List<ContainerProcess> containers = new ArrayList<>();
    private final List<ContainerStatus> unrunnable = new ArrayList<>();
    private final Instant startTime = Instant.now();
    private boolean ranOnce;

    PodSandbox(KubernetesClient client, Pod pod, ImageTable images, Path root, ScheduledExecutorService scheduler,
               ServiceAccountKubeconfigs kubeconfigs) {
        this.client = client;
        this.pod = pod;
        this.images = images;
        this.dir = root.resolve(pod.getMetadata().getNamespace()).resolve(pod.getMetadata().getName()
                + "-" + pod.getMetadata().getUid().substring(0, 8));
        this.scheduler = scheduler;
        this.kubeconfigs = kubeconfigs;
    }

    String namespace() {
        return pod.getMetadata().getNamespace();
    }

    String name() {
        return pod.getMetadata().getName();
    }

    Path dir() {
        return dir;
    }

    void start() throws IOException {
        Files.createDirectories(dir);
        for (Volume volume : pod.getSpec().getVolumes()) {
            Path volumeDir = Files.createDirectories(dir.resolve("volumes").resolve(volume.getName()));
            volumeDirs.put(volume.getName(), volumeDir);
        }
        writeConfigMapsAndSecrets();
        for (Container container : pod.getSpec().getContainers()) {
            Optional<LocalImage> image = images.find(container.getImage());
            if (image.isEmpty()) {
                unrunnable.add(ContainerProcess.waiting(container.getName(), container.getImage(), "ErrImagePull",
                        "image " + container.getImage() + " is not in the harness's image table " + images));
                continue;
            }
            try {
                containers.add(container(container, image.get()));
            } catch (IllegalArgumentException e) {
                unrunnable.add(ContainerProcess.waiting(container.getName(), container.getImage(),
                        "CreateContainerConfigError", e.getMessage()));
            }
        }
        publishStatus();
        containers.forEach(ContainerProcess::start);
    }

    /** Rewrites the files of the pod's volumes of {@code configMap}, as a kubelet keeps them in step. */
    void configMapChanged(ConfigMap configMap) {
        for (Volume volume : pod.getSpec().getVolumes()) {
            if (volume.getConfigMap() != null && volume.getConfigMap().getName().equals(configMap.getMetadata().getName())) {
                writeFiles(volumeDirs.get(volume.getName()), configMap.getData(), configMap.getBinaryData());
            }
        }
    }

    /** The grace period of a pod being deleted: the one its deletion set, else the spec's. */
    static Duration gracePeriod(Pod deleted) {
        Long seconds = deleted.getMetadata().getDeletionGracePeriodSeconds() != null
                ? deleted.getMetadata().getDeletionGracePeriodSeconds()
                : deleted.getSpec().getTerminationGracePeriodSeconds();
        return seconds == null ? DEFAULT_GRACE : Duration.ofSeconds(seconds);
    }

    /** SIGTERM to every container, SIGKILL to those still running after {@code grace}. */
    void stop(Duration grace) {
        containers.parallelStream().forEach(c -> c.stop(grace));
    }

    void kill() {
        containers.forEach(ContainerProcess::kill);
    }

    synchronized void publishStatus() {
        List<ContainerStatus> statuses = new ArrayList<>(unrunnable);
        containers.forEach(c -> statuses.add(c.status()));
        boolean ready = unrunnable.isEmpty() && containers.stream().allMatch(ContainerProcess::isReady);
        // a pod stays Running while a container restarts, as in a cluster
        ranOnce |= statuses.stream().anyMatch(s -> s.getState().getRunning() != null);
        String phase = ranOnce ? "Running" : "Pending";
        String now = Instant.now().toString();
        try {
            client.pods().inNamespace(namespace()).withName(name()).editStatus(p -> {
                if (!p.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                    // a pod of the same name made since this one was deleted: its status is its own sandbox's
                    return p;
                }
                List<PodCondition> conditions = List.of(
                        condition(p, "PodScheduled", true, now), condition(p, "Initialized", true, now),
                        condition(p, "ContainersReady", ready, now), condition(p, "Ready", ready, now));
                p.getStatus().setConditions(conditions);
                p.getStatus().setPhase(phase);
                p.getStatus().setContainerStatuses(statuses);
                p.getStatus().setHostIP(LOOPBACK);
                p.getStatus().setPodIP(LOOPBACK);
                p.getStatus().setPodIPs(List.of(new PodIP(LOOPBACK)));
                p.getStatus().setStartTime(startTime.toString());
                return p;
            });
        } catch (KubernetesClientException e) {
            // the pod is being or has been deleted: nothing left to report on
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
        }
    }

    private static PodCondition condition(Pod current, String type, boolean status, String now) {
        String value = status ? "True" : "False";
        String since = current.getStatus() == null || current.getStatus().getConditions() == null ? now
                : current.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(type) && c.getStatus().equals(value))
                .map(PodCondition::getLastTransitionTime).findFirst().orElse(now);
        return new PodConditionBuilder().withType(type).withStatus(value).withLastTransitionTime(since).build();
    }

    private ContainerProcess container(Container container, LocalImage image) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Path volumeDir = volumeDirs.get(mount.getName());
            if (volumeDir == null) {
                throw new IllegalArgumentException("volumeMounts " + mount.getName() + ": no such volume in the pod");
            }
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
                throw new IllegalArgumentException("volumeMounts " + mount.getName() + ": subPath is not emulated");
            }
            mounts.put(mount.getMountPath(), volumeDir);
        }
        PathRewriter paths = new PathRewriter(mounts, image.files());

        Map<Integer, Integer> localPorts = new HashMap<>();
        Map<String, Integer> namedPorts = new HashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOSTNAME", name());
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.putAll(image.env());
        for (EnvVar var : container.getEnv()) {
            env.put(var.getName(), paths.rewrite(value(var)));
        }
        for (ContainerPort port : container.getPorts()) {
            int local = freePort();
            localPorts.put(port.getContainerPort(), local);
            if (port.getName() != null) {
                namedPorts.put(port.getName(), local);
            }
            String variable = image.portEnv().get(port.getContainerPort());
            if (variable == null) {
                throw new IllegalArgumentException("ports " + port.getContainerPort() + ": the image table names no"
                        + " variable that moves this port, so pods would share it; add it to the image's portEnv");
            }
            env.put(variable, Integer.toString(local));
        }
        kubeconfigs.forPod(pod, dir).ifPresent(kubeconfig -> env.put("KUBECONFIG", kubeconfig.toString()));

        // the image's entrypoint is in local terms already: rewriting it would move a local path under a mount
        // path (a checkout under /tmp, the operator's /tmp emptyDir) into the volume
        boolean ownCommand = !container.getCommand().isEmpty();
        List<String> local = new ArrayList<>(ownCommand ? List.of() : image.entrypoint());
        for (String word : ownCommand ? container.getCommand() : List.<String>of()) {
            local.add(paths.rewrite(word));
        }
        for (String word : container.getArgs()) {
            local.add(paths.rewrite(word));
        }
        if (local.isEmpty()) {
            throw new IllegalArgumentException("the container has no command and its image no entrypoint");
        }
        if (local.get(0).equals("java") || local.get(0).endsWith("/java")) {
            local.set(0, JAVA);
        }
        Launch launch = new Launch(local, env, dir, dir.resolve(container.getName() + ".log"));
        return new ContainerProcess(container.getName(), container.getImage(), launch,
                probe(container.getStartupProbe(), localPorts, namedPorts),
                probe(container.getLivenessProbe(), localPorts, namedPorts),
                probe(container.getReadinessProbe(), localPorts, namedPorts),
                scheduler, this::publishStatus);
    }

    private static HttpProbe probe(Probe probe, Map<Integer, Integer> localPorts, Map<String, Integer> namedPorts) {
        if (probe == null) {
            return null;
        }
        if (probe.getHttpGet() == null) {
            throw new IllegalArgumentException(HttpProbe.ONLY_HTTP_GET);
        }
        IntOrString port = probe.getHttpGet().getPort();
        Integer local = port.getStrVal() != null ? namedPorts.get(port.getStrVal()) : localPorts.get(port.getIntVal());
        if (local == null) {
            throw new IllegalArgumentException("probe port " + port + " is not one of the container's ports");
        }
        return HttpProbe.of(probe, local);
    }

    /** {@code metadata.annotations['key']} or {@code metadata.labels['key']}: empty when absent, as with a kubelet. */
    private String metadataEntry(String env, String fieldPath) {
        Matcher entry = METADATA_ENTRY.matcher(fieldPath);
        if (!entry.matches()) {
            throw new IllegalArgumentException("env " + env + ": fieldRef " + fieldPath + " is not emulated");
        }
        Map<String, String> entries = entry.group(1).equals("annotations") ? pod.getMetadata().getAnnotations()
                : pod.getMetadata().getLabels();
        return entries == null ? "" : entries.getOrDefault(entry.group(2), "");
    }

    private String value(EnvVar var) {
        EnvVarSource from = var.getValueFrom();
        if (from == null) {
            return var.getValue() == null ? "" : var.getValue();
        }
        if (from.getFieldRef() != null) {
            return switch (from.getFieldRef().getFieldPath()) {
                case "metadata.name" -> name();
                case "metadata.namespace" -> namespace();
                case "metadata.uid" -> pod.getMetadata().getUid();
                case "spec.nodeName" -> pod.getSpec().getNodeName();
                case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
                case "status.podIP", "status.hostIP" -> LOOPBACK;
                default -> metadataEntry(var.getName(), from.getFieldRef().getFieldPath());
            };
        }
        if (from.getSecretKeyRef() != null) {
            Secret secret = client.secrets().inNamespace(namespace()).withName(from.getSecretKeyRef().getName()).get();
            String encoded = secret == null || secret.getData() == null ? null
                    : secret.getData().get(from.getSecretKeyRef().getKey());
            if (encoded == null) {
                throw new IllegalArgumentException("env " + var.getName() + ": secret " + from.getSecretKeyRef().getName()
                        + " has no key " + from.getSecretKeyRef().getKey());
            }
            return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        }
        if (from.getConfigMapKeyRef() != null) {
            ConfigMap map = client.configMaps().inNamespace(namespace()).withName(from.getConfigMapKeyRef().getName()).get();
            String value = map == null || map.getData() == null ? null : map.getData().get(from.getConfigMapKeyRef().getKey());
            if (value == null) {
                throw new IllegalArgumentException("env " + var.getName() + ": configmap "
                        + from.getConfigMapKeyRef().getName() + " has no key " + from.getConfigMapKeyRef().getKey());
            }
            return value;
        }
        throw new IllegalArgumentException("env " + var.getName() + ": this valueFrom is not emulated");
    }

    private void writeConfigMapsAndSecrets() {
        for (Volume volume : pod.getSpec().getVolumes()) {
            Path volumeDir = volumeDirs.get(volume.getName());
            if (volume.getConfigMap() != null) {
                ConfigMap map = client.configMaps().inNamespace(namespace()).withName(volume.getConfigMap().getName()).get();
                if (map != null) {
                    writeFiles(volumeDir, map.getData(), map.getBinaryData());
                }
            } else if (volume.getSecret() != null) {
                Secret secret = client.secrets().inNamespace(namespace()).withName(volume.getSecret().getSecretName()).get();
                if (secret != null) {
                    writeFiles(volumeDir, null, secret.getData());
                }
            }
        }
    }

    /** Each key as a file, replaced by a rename so a reader never sees half a file. */
    private static void writeFiles(Path volumeDir, Map<String, String> text, Map<String, String> base64) {
        Map<String, byte[]> files = new HashMap<>();
        if (text != null) {
            text.forEach((key, value) -> files.put(key, value.getBytes(StandardCharsets.UTF_8)));
        }
        if (base64 != null) {
            base64.forEach((key, value) -> files.put(key, Base64.getDecoder().decode(value)));
        }
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path staged = Files.write(volumeDir.resolve("." + file.getKey() + ".new"), file.getValue());
                Files.move(staged, volumeDir.resolve(file.getKey()), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Rewrites image paths (longest mount path first) at the start of a word or after {@code =}. */
    private record PathRewriter(Map<String, Path> mounts, Map<String, Path> files) {
        String rewrite(String word) {
            Path file = files.get(word);
            if (file != null) {
                return file.toString();
            }
            int valueStart = word.indexOf('=') + 1;
            String prefix = word.substring(0, valueStart);
            String value = word.substring(valueStart);
            return mounts.entrySet().stream()
                    .sorted(Comparator.comparing((Map.Entry<String, Path> e) -> e.getKey().length()).reversed())
                    .filter(e -> value.equals(e.getKey()) || value.startsWith(e.getKey() + "/"))
                    .findFirst()
                    .map(e -> prefix + e.getValue() + value.substring(e.getKey().length()))
                    .orElse(word);
        }
    }
}

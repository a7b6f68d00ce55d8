package dev.weir.e2e.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * The harness's one node: binds every unscheduled pod to itself (there is no scheduler), runs each bound pod as a
 * {@link PodSandbox}, and on a graceful delete stops the pod's processes within its grace period and then removes the
 * pod, as a kubelet does. ConfigMap changes reach the files of the pods that mount them. Pod events are handled one at
 * a time; stopping pods runs beside that, as it may take the whole grace period.
 */
final class Kubelet implements AutoCloseable {
    static final String NODE_NAME = "weir-harness";
    private static final Logger LOG = Logger.getLogger(Kubelet.class.getName());
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final ImageTable images;
    private final Path podsRoot;
    private final ServiceAccountKubeconfigs kubeconfigs;
    private final Map<String, PodSandbox> sandboxes = new ConcurrentHashMap<>();
    /** Every pod with processes, including those being stopped, for the shutdown hook. */
    private final Set<PodSandbox> withProcesses = ConcurrentHashMap.newKeySet();
    private final ExecutorService sync = Executors.newSingleThreadExecutor(r -> daemon(r, "kubelet-sync"));
    private final ExecutorService stopping = Executors.newCachedThreadPool(r -> daemon(r, "kubelet-stop"));
    private final ScheduledExecutorService containers = Executors.newScheduledThreadPool(4,
            r -> daemon(r, "kubelet-containers"));
    private final Thread killOnExit = new Thread(this::killAll, "kubelet-kill-on-exit");
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<ConfigMap> configMaps;

    Kubelet(KubernetesClient client, ImageTable images, Path podsRoot) {
        this.client = client;
        this.images = images;
        this.podsRoot = podsRoot;
        this.kubeconfigs = new ServiceAccountKubeconfigs(client);
    }

    void start() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE_NAME)
                .addToLabels("kubernetes.io/hostname", NODE_NAME).endMetadata().build()).serverSideApply();
        // no process outlives the test JVM, even when it ends without close()
        Runtime.getRuntime().addShutdownHook(killOnExit);
        configMaps = client.configMaps().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap map) {
                // the pod reads it when it starts
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap after) {
                sync.execute(() -> sandboxes.values().stream()
                        .filter(s -> s.namespace().equals(after.getMetadata().getNamespace()))
                        .forEach(s -> s.configMapChanged(after)));
            }

            @Override
            public void onDelete(ConfigMap map, boolean unknownFinalState) {
                // a kubelet keeps the last files of a deleted ConfigMap too
            }
        });
        pods = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                sync.execute(() -> syncPod(pod));
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                sync.execute(() -> syncPod(after));
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
                sync.execute(() -> forget(pod));
            }
        });
    }

    /** The directory of a running pod's volumes and logs, for tests that read them. */
    Path podDir(String namespace, String name) {
        return sandboxes.values().stream().filter(s -> s.namespace().equals(namespace) && s.name().equals(name))
                .map(PodSandbox::dir).findFirst()
                .orElseThrow(() -> new IllegalStateException("no pod " + namespace + "/" + name + " runs"));
    }

    /** How many pods have processes on this node, counting those being stopped. */
    int podsWithProcesses() {
        return withProcesses.size();
    }

    private void syncPod(Pod pod) {
        try {
            String uid = pod.getMetadata().getUid();
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                terminate(pod);
            } else if (pod.getSpec().getNodeName() == null) {
                bind(pod);
            } else if (NODE_NAME.equals(pod.getSpec().getNodeName()) && !sandboxes.containsKey(uid)) {
                PodSandbox sandbox = new PodSandbox(client, pod, images, podsRoot, containers, kubeconfigs);
                sandboxes.put(uid, sandbox);
                withProcesses.add(sandbox);
                sandbox.start();
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), e);
        }
    }

    private void bind(Pod pod) {
        client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder()
                .withNewMetadata().withName(pod.getMetadata().getName()).endMetadata()
                .withNewTarget().withApiVersion("v1").withKind("Node").withName(NODE_NAME).endTarget()
                .build()).create();
    }

    /** A graceful delete: stop the processes within the grace period, then remove the pod for good. */
    private void terminate(Pod pod) {
        PodSandbox sandbox = sandboxes.remove(pod.getMetadata().getUid());
        if (sandbox == null && !NODE_NAME.equals(pod.getSpec().getNodeName())) {
            return;
        }
        stopping.execute(() -> {
            if (sandbox != null) {
                sandbox.stop(PodSandbox.gracePeriod(pod));
                withProcesses.remove(sandbox);
            }
            try {
                // this pod, not one of the same name a controller has made since (a StatefulSet's next pod): a
                // delete by name alone made the controller make pod after pod when terminate ran late
                var named = client.pods().inNamespace(pod.getMetadata().getNamespace())
                        .withName(pod.getMetadata().getName());
                Pod current = named.get();
                if (current != null && current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                    named.withGracePeriod(0).delete();
                }
            } catch (KubernetesClientException e) {
                LOG.log(Level.FINE, "pod already gone", e);
            }
        });
    }

    /** A pod removed without grace (a force delete): its processes are killed at once. */
    private void forget(Pod pod) {
        PodSandbox sandbox = sandboxes.remove(pod.getMetadata().getUid());
        if (sandbox != null) {
            sandbox.kill();
            withProcesses.remove(sandbox);
        }
    }

    private void killAll() {
        withProcesses.forEach(PodSandbox::kill);
    }

    @Override
    public void close() {
        if (pods != null) {
            pods.close();
            configMaps.close();
        }
        sync.shutdownNow();
        List<PodSandbox> running = List.copyOf(sandboxes.values());
        sandboxes.clear();
        running.parallelStream().forEach(sandbox -> sandbox.stop(CLOSE_GRACE));
        stopping.shutdown();
        try {
            stopping.awaitTermination(CLOSE_GRACE.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        containers.shutdownNow();
        killAll();
        withProcesses.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and the hook runs anyway
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}

package dev.weir.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;

/**
 * The faults {@link FaultRunE2E} injects that need a hold on the platform's processes and servers, not only on the
 * Kubernetes API: a container killed as the kernel's OOM killer or a node's crash would kill it, the Kafka broker
 * restarted, the S3 server stopped and started, the API server restarted.
 */
interface PlatformFaults {
    /** SIGKILLs every container process of the pod; the kubelet restarts them as it would after a crash. */
    void killContainers(Pod pod);

    /** Stops the Kafka broker, waits {@code down}, and starts it again at the same address with its data. */
    void restartKafka(Duration down);

    /** Stops the S3 server: requests to it are refused until {@link #startS3()}. */
    void stopS3();

    /** Starts the S3 server again at the same address with the objects it held. */
    void startS3();

    /** SIGKILLs the API server, waits {@code down}, and starts it again at the same address with the same etcd. */
    void restartApiServer(Duration down);
}

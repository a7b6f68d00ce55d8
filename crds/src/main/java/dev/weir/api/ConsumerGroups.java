package dev.weir.api;

/** The Kafka consumer group of a job, which the runtime joins and the operator's lag probe reads. */
public final class ConsumerGroups {
    private ConsumerGroups() {
    }

    /**
     * One group per job, the Kafka Streams application.id: {@code weir-<namespace>-<name>}, or {@code weir-<name>}
     * outside a cluster.
     */
    public static String of(StreamJob job) {
        String ns = job.getMetadata().getNamespace();
        return "weir-" + (ns == null || ns.isBlank() ? "" : ns + "-") + job.getMetadata().getName();
    }
}

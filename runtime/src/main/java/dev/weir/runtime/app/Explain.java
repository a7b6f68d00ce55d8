package dev.weir.runtime.app;

import dev.weir.api.StreamJob;
import dev.weir.api.sql.SqlPipeline;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.stream.Collectors;

/**
 * {@code weir explain}: a validated job as the equivalent job file with a YAML pipeline, so that what a query runs
 * can be read step by step (and run as it is). A job without spec.sql comes out as it went in.
 */
final class Explain {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Explain() {
    }

    static String of(StreamJob job) {
        StreamJob explained = SERIALIZATION.clone(job);
        explained.setStatus(null);
        String header;
        if (job.getSpec().sql == null) {
            header = "# no spec.sql: the job's pipeline is its own\n";
        } else {
            explained.getSpec().pipeline = new ArrayList<>(SqlPipeline.steps(job.getSpec()));
            explained.getSpec().sql = null;
            header = "# the pipeline that spec.sql translates to; the query was:\n"
                    + job.getSpec().sql.strip().lines().map(line -> "#   " + line).collect(Collectors.joining("\n"))
                    + "\n";
        }
        String yaml = SERIALIZATION.asYaml(explained);
        return header + (yaml.startsWith("---\n") ? yaml.substring(4) : yaml);
    }
}

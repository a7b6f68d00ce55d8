package dev.weir.operator.dependents;

import java.util.Map;

/** The labels of everything the operator creates for a job. */
public final class Labels {
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR = "weir-operator";
    /** Selects what this operator manages, so its informers do not cache every ConfigMap of the cluster. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;
    /** The job an object belongs to. */
    public static final String INSTANCE = "app.kubernetes.io/instance";
    private static final String NAME = "app.kubernetes.io/name";
    private static final String RUNTIME = "weir-runtime";

    private Labels() {
    }

    /** Selects a job's runtime pods; the StatefulSet's selector, which cannot change after creation. */
    public static Map<String, String> selector(String jobName) {
        return Map.of(NAME, RUNTIME, INSTANCE, jobName);
    }

    /** {@link #selector} as a label-selector string: {@code status.selector}, for the scale subresource. */
    public static String selectorString(String jobName) {
        return NAME + "=" + RUNTIME + "," + INSTANCE + "=" + jobName;
    }

    public static Map<String, String> of(String jobName) {
        return Map.of(NAME, RUNTIME, INSTANCE, jobName, "app.kubernetes.io/part-of", "weir", MANAGED_BY, OPERATOR);
    }
}

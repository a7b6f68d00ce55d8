package dev.weir.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Standard Kubernetes conditions: positive polarity, CamelCase reasons, and a transition time that means one. */
public final class Conditions {
    public static final String READY = "Ready";
    static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";

    private Conditions() {
    }

    public static Condition of(String type, boolean status, String reason, String message, Long generation) {
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status ? "True" : "False")
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .build();
    }

    /** {@code next}, with the previous condition's lastTransitionTime when its status did not change. */
    public static Condition keepTransitionTime(Condition next, List<Condition> previous) {
        return find(previous, next.getType())
                .filter(old -> next.getStatus().equals(old.getStatus()) && old.getLastTransitionTime() != null)
                .map(old -> new ConditionBuilder(next).withLastTransitionTime(old.getLastTransitionTime()).build())
                .orElse(next);
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(condition -> type.equals(condition.getType())).findFirst();
    }
}

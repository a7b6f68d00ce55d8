package dev.weir.runtime.app;

import dev.weir.runtime.kafka.state.CheckpointMetrics;
import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * {@code /q/health/group/checkpoints}: DOWN with reason {@value #FAILING} while state checkpoints fail, UP again
 * once one is stored. A group of its own: processing goes on, so the pod stays live and ready.
 */
@HealthGroup(CheckpointHealth.GROUP)
@ApplicationScoped
public class CheckpointHealth implements HealthCheck {
    public static final String GROUP = "checkpoints";
    /** The reason the operator turns into a condition. */
    public static final String FAILING = "CheckpointsFailing";

    @Inject
    CheckpointMetrics metrics;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("state checkpoints");
        metrics.lastSuccess().ifPresent(t -> response.withData("lastSuccess", t.toString()));
        return metrics.failing()
                .map(f -> response.down().withData("reason", FAILING).withData("since", f.since().toString())
                        .withData("message", f.message()))
                .orElseGet(response::up)
                .build();
    }
}

package dev.weir.runtime.app;

import dev.weir.runtime.pipeline.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * The pod's liveness and readiness with the Kinesis engine: DOWN, with the engine's message, once it has failed (it
 * then stops checkpointing, and the restarted pod reads again what came after its last checkpoint). With the Kafka
 * engine, Quarkus' Kafka Streams checks say it, and this one is UP.
 */
@Liveness
@Readiness
@ApplicationScoped
public class EngineHealth implements HealthCheck {

    @Inject
    KinesisEngineRunner kinesis;

    @Override
    public HealthCheckResponse call() {
        return kinesis.engine().map(engine -> {
            Engine.Health health = engine.health();
            return HealthCheckResponse.named("kinesis engine").status(health.up())
                    .withData("message", health.message()).build();
        }).orElseGet(() -> HealthCheckResponse.named("engine").up().withData("engine", "kafka streams").build());
    }
}

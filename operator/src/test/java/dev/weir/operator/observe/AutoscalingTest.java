package dev.weir.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.StreamJob;
import dev.weir.operator.autoscaler.Tuning;
import dev.weir.operator.lag.LagProbe;
import dev.weir.operator.lag.LagReading;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutoscalingTest {

    /** A stand-in for the brokers: the offsets it is given, and the jobs it was told to forget. */
    private static final class GivenOffsets implements LagProbe {
        final List<String> forgotten = new ArrayList<>();
        long end;

        @Override
        public boolean reads(StreamJob job) {
            return true;
        }

        @Override
        public LagReading read(StreamJob job) {
            return new LagReading(Instant.EPOCH, 3, 0, end, end);
        }

        @Override
        public void forget(StreamJob job) {
            forgotten.add(job.getMetadata().getNamespace() + "/" + job.getMetadata().getName());
        }

        @Override
        public void close() {
        }
    }

    private static StreamJob job() {
        return new KubernetesSerialization().unmarshal("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: readings, namespace: team-a}
                spec:
                  source: {kafka: {bootstrapServers: "kafka:9092", topic: readings}}
                  sink: {kafka: {topic: out}}
                  deadLetter: {kafka: {topic: dlq}}
                  scaling: {minReplicas: 1, maxReplicas: 3, pollInterval: 10s}
                """, StreamJob.class);
    }

    @Test
    void aDeletedJobIsForgottenSoAJobOfTheSameNameIsPolledAfresh() {
        GivenOffsets probe = new GivenOffsets();
        Clock still = Clock.fixed(Instant.parse("2026-12-06T00:00:00Z"), ZoneOffset.UTC);
        Autoscaling autoscaling = new Autoscaling(probe, still, Tuning.defaults(),
                new ScalingMetrics(new SimpleMeterRegistry()));

        assertTrue(autoscaling.poll(job(), 1).orElseThrow().fresh(), "the first poll asks the brokers");
        assertFalse(autoscaling.poll(job(), 1).orElseThrow().fresh(), "within pollInterval the last poll is reused");

        autoscaling.forget(job());
        assertEquals(List.of("team-a/readings"), probe.forgotten, "the probe forgets the job too");
        assertTrue(autoscaling.poll(job(), 1).orElseThrow().fresh(), "a job created again under the name starts anew");
    }
}

package dev.weir.operator.lag;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;

/** Each source kind is read by its own probe; the operator's probes together read both. */
class LagProbesTest {
    private static final String KAFKA = """
            apiVersion: weir.dev/v1alpha1
            kind: StreamJob
            metadata: {name: k, namespace: it}
            spec:
              source: {kafka: {bootstrapServers: "localhost:9092", topic: in}}
              sink: {kafka: {topic: out}}
              deadLetter: {kafka: {topic: dlq}}
            """;
    private static final String KINESIS = """
            apiVersion: weir.dev/v1alpha1
            kind: StreamJob
            metadata: {name: k, namespace: it}
            spec:
              source: {kinesis: {stream: in, region: us-east-1}}
              sink: {kinesis: {stream: out}}
              deadLetter: {kinesis: {stream: dlq}}
              processingGuarantee: at_least_once
            """;

    @Test
    void eachProbeReadsItsSourceKind() throws InvalidJobException {
        StreamJob kafka = JobFiles.readString(KAFKA, "kafka.yaml");
        StreamJob kinesis = JobFiles.readString(KINESIS, "kinesis.yaml");
        try (KafkaLagProbe kafkaProbe = new KafkaLagProbe(Clock.systemUTC());
             KinesisLagProbe kinesisProbe = new KinesisLagProbe(Clock.systemUTC(),
                     AnonymousCredentialsProvider.create(), Optional.of(URI.create("http://127.0.0.1:1")));
             LagProbes probes = new LagProbes(List.of(kafkaProbe, kinesisProbe))) {
            assertTrue(kafkaProbe.reads(kafka));
            assertFalse(kafkaProbe.reads(kinesis));
            assertTrue(kinesisProbe.reads(kinesis));
            assertFalse(kinesisProbe.reads(kafka));
            assertTrue(probes.reads(kafka) && probes.reads(kinesis));
        }
    }
}

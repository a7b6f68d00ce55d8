package dev.weir.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.api.Durations;
import dev.weir.runtime.contract.EngineContract;
import dev.weir.runtime.testing.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engines' contract on the Kafka Streams engine: splits are the source topic's partitions. */
@ExtendWith(KafkaBroker.class)
class KafkaEngineContractIT extends EngineContract {
    private KafkaBroker kafka;

    @BeforeEach
    void broker(KafkaBroker kafka) {
        this.kafka = kafka;
    }

    @Override
    protected Run open(String body, int splits) throws Exception {
        String yaml = """
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: ${NAME}}
                spec:
                  source: {kafka: {bootstrapServers: "${BOOTSTRAP}", topic: ${SOURCE}}}
                  sink: {kafka: {topic: ${SINK}}}
                  deadLetter: {kafka: {topic: ${DLQ}}}
                """ + body;
        String idle = yaml.contains("idleTimeout: ") ? yaml.replaceAll("(?s).*idleTimeout: (\\w+).*", "$1") : null;
        JobHarness h = new JobHarness(kafka.bootstrapServers(), yaml, splits,
                idle == null ? null : Durations.parse(idle)).start();
        return new Run() {
            @Override
            public void send(int split, List<String> lines) {
                h.send(split, lines);
            }

            @Override
            public void endInput() {
                h.endInput();
            }

            @Override
            public void awaitEnd(Duration timeout) {
                h.awaitEnd(timeout);
            }

            @Override
            public List<Map<String, Object>> awaitSinkRecords(int n, Duration timeout) {
                return h.awaitSinkRecords(n, timeout);
            }

            @Override
            public List<Map<String, Object>> sinkRecords() {
                return h.sinkRecords();
            }

            @Override
            public List<Map<String, Object>> deadLetters() {
                return h.deadLetters();
            }

            @Override
            @SuppressWarnings("unchecked")
            public void assertPosition(Map<String, Object> deadLetter, int split, int index) {
                Map<String, Object> source = (Map<String, Object>) deadLetter.get("source");
                assertEquals(h.source, source.get("topic"), deadLetter.toString());
                assertEquals(split, ((Number) source.get("partition")).intValue(), deadLetter.toString());
                assertEquals(index, ((Number) source.get("offset")).intValue(), deadLetter.toString());
            }

            @Override
            public void close() throws Exception {
                h.close();
            }
        };
    }
}

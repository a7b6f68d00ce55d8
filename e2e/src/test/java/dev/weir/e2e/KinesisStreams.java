package dev.weir.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weir.kinesis.KinesisSink;
import dev.weir.kinesis.SinkRecord;
import dev.weir.kinesis.local.LocalKinesisServers;
import dev.weir.runtime.pipeline.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/** Streams of the platform's Kinesis server, as the test JVM reads them. */
final class KinesisStreams {
    private KinesisStreams() {
    }

    /** Puts {@link CountedEvents} (JSON, partition key their key) into the sink's stream; every one is taken. */
    static void put(KinesisSink input, List<String> events) throws Exception {
        List<SinkRecord> records = new ArrayList<>();
        for (String event : events) {
            String key = (String) Json.parseObject(event.getBytes(StandardCharsets.UTF_8)).get(CountedEvents.KEY);
            records.add(new SinkRecord(key, event.getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(List.of(), input.put(records), "kinesis-local took every event");
    }

    /** Every record of the stream, each shard from its trim horizon to its end, as JSON objects. */
    static List<Map<String, Object>> read(LocalKinesisServers kinesis, String stream) throws Exception {
        List<Map<String, Object>> records = new ArrayList<>();
        for (Shard shard : kinesis.shards(stream)) {
            String iterator = LocalKinesisServers.call("reading " + stream, () -> kinesis.clients().kinesis()
                    .getShardIterator(r -> r.streamName(stream).shardId(shard.shardId())
                            .shardIteratorType(ShardIteratorType.TRIM_HORIZON))).shardIterator();
            while (iterator != null) {
                String current = iterator;
                GetRecordsResponse response = LocalKinesisServers.call("reading " + stream,
                        () -> kinesis.clients().kinesis().getRecords(r -> r.shardIterator(current)));
                for (Record record : response.records()) {
                    records.add(Json.parseObject(record.data().asByteArray()));
                }
                boolean atEnd = response.records().isEmpty() && Objects.equals(0L, response.millisBehindLatest());
                iterator = atEnd ? null : response.nextShardIterator();
            }
        }
        return records;
    }
}

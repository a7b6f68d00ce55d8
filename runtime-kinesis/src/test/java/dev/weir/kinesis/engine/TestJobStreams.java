package dev.weir.kinesis.engine;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.kinesis.testing.KinesisServers;
import dev.weir.runtime.contract.ReferenceWindows;
import java.util.List;
import java.util.Set;

/** A test job's source, sink and dead-letter streams, created on the test servers, and the job that reads them. */
record TestJobStreams(KinesisServers servers, String in, String out, String dlq) {

    /** New streams: the source with {@code sourceShards} shards, the sink and the dead letter with one each. */
    static TestJobStreams created(KinesisServers servers, int sourceShards) {
        TestJobStreams streams = new TestJobStreams(servers, KinesisServers.uniqueName("in"),
                KinesisServers.uniqueName("out"), KinesisServers.uniqueName("dlq"));
        servers.createStream(streams.in, sourceShards);
        servers.createStream(streams.out, 1);
        servers.createStream(streams.dlq, 1);
        return streams;
    }

    /**
     * The job {@code name} on these streams; {@code spec} is the rest of its spec, each line indented by two spaces as
     * under {@code spec:}.
     */
    StreamJob job(String name, String spec) throws InvalidJobException {
        return JobFiles.readString("""
                apiVersion: weir.dev/v1alpha1
                kind: StreamJob
                metadata: {name: %s}
                spec:
                  source: {kinesis: {stream: %s, region: us-east-1}}
                  sink: {kinesis: {stream: %s}}
                  deadLetter: {kinesis: {stream: %s}}
                """.formatted(name, in, out, dlq) + spec, name);
    }

    /**
     * Puts the contract's generated events to the source in order (fields {@code k}, {@code t}, {@code v} and the
     * event's index {@code i}), with a malformed record after every 40th, whose text goes to {@code malformed}.
     */
    void send(List<ReferenceWindows.Event> events, Set<String> malformed) {
        for (ReferenceWindows.Event e : events) {
            servers.put(in, "p", "{\"k\":\"" + e.key() + "\",\"t\":" + e.time() + ",\"v\":" + e.value() + ",\"i\":"
                    + e.offset() + "}");
            if (e.offset() % 40 == 39) {
                String bad = "{broken " + e.offset();
                servers.put(in, "p", bad);
                malformed.add(bad);
            }
        }
    }

    /** Ends the input of the source's only shard. */
    void endInput() {
        servers.put(in, KinesisEngine.END_OF_INPUT_KEY, "end");
    }
}

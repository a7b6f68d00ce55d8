package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The control record a task writes to every partition of the sink and dead-letter topics once its
 * input has ended and all its windows have closed; only {@code weir run --input} ends input.
 */
public final class EndOfInput {
    private EndOfInput() {}

    static void send(ProcessorContext<byte[], Routed> context, int task, long timestamp) {
        byte[] value = Json.write(Map.of("end_of_input", Map.of("task", task)));
        context.forward(new Record<>(new byte[0], new Routed(Routed.Route.SINK, value, true), timestamp, headers()));
        context.forward(new Record<>(new byte[0], new Routed(Routed.Route.DEAD_LETTER, value, true), timestamp,
                headers()));
    }

    public static Headers headers() {
        return new RecordHeaders().add(JobTopics.CONTROL_HEADER, JobTopics.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
    }

    public static boolean isMarked(Headers headers) {
        var header = headers.lastHeader(JobTopics.CONTROL_HEADER);
        return header != null && JobTopics.END_OF_INPUT.equals(new String(header.value(), StandardCharsets.UTF_8));
    }
}

package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.Json;
import dev.weir.runtime.pipeline.MalformedRecordException;
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

    private static final String END_OF_INPUT = "end_of_input";
    private static final String TASK = "task";

    static void send(ProcessorContext<byte[], Routed> context, int task, long timestamp) {
        byte[] value = Json.write(Map.of(END_OF_INPUT, Map.of(TASK, task)));
        context.forward(new Record<>(new byte[0], new Routed(Routed.Route.SINK, value, true), timestamp, headers()));
        context.forward(new Record<>(new byte[0], new Routed(Routed.Route.DEAD_LETTER, value, true), timestamp,
                headers()));
    }

    public static Headers headers() {
        return new RecordHeaders().add(JobTopics.CONTROL_HEADER, JobTopics.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
    }

    /** The task (its partition) that wrote the marker {@code value}. */
    public static int task(byte[] value) {
        try {
            return ((Number) ((Map<?, ?>) Json.parseObject(value).get(END_OF_INPUT)).get(TASK)).intValue();
        } catch (MalformedRecordException | RuntimeException e) {
            throw new IllegalArgumentException("not an end-of-input marker: " + new String(value, StandardCharsets.UTF_8),
                    e);
        }
    }

    public static boolean isMarked(Headers headers) {
        var header = headers.lastHeader(JobTopics.CONTROL_HEADER);
        return header != null && JobTopics.END_OF_INPUT.equals(new String(header.value(), StandardCharsets.UTF_8));
    }
}

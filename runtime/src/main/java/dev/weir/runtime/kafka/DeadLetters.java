package dev.weir.runtime.kafka;

import dev.weir.runtime.pipeline.DeadLetterReason;
import dev.weir.runtime.pipeline.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/** The dead-letter record: reason, message, the original payload as text, and where it was read. */
final class DeadLetters {
    private DeadLetters() {}

    static byte[] envelope(DeadLetterReason reason, String message, String payload, String topic, int partition,
                           long offset) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("topic", topic);
        source.put("partition", partition);
        source.put("offset", offset);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reason", reason.name());
        out.put("message", message);
        out.put("record", payload);
        out.put("source", source);
        return Json.write(out);
    }
}

package dev.weir.kinesis.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.kinesis.ShardPosition;
import dev.weir.runtime.pipeline.SortedMapStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of one Kinesis engine checkpoint, uploaded together (the manifest written last, so both or neither):
 * {@code windows.state}, every window state entry ({@link SortedMapStore#writeTo}), and {@code positions.json}, the
 * last record processed of each shard (its neutral string form, {@code SEQ} or {@code SEQ/SUB}) and the shards whose
 * input has ended.
 */
record KinesisSnapshot(Map<String, ShardPosition> positions, List<String> ended) {
    static final String STATE_FILE = "windows.state";
    static final String POSITIONS_FILE = "positions.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Positions(int format, Map<String, String> positions, List<String> ended) {}

    static void write(Path dir, SortedMapStore store, Map<String, ShardPosition> positions, List<String> ended)
            throws IOException {
        Files.createDirectories(dir);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                Files.newOutputStream(dir.resolve(STATE_FILE)), 1 << 16))) {
            store.writeTo(out);
        }
        Map<String, String> text = new LinkedHashMap<>();
        positions.forEach((shard, position) -> text.put(shard, position.toString()));
        JSON.writeValue(dir.resolve(POSITIONS_FILE).toFile(), new Positions(1, text, ended));
    }

    /** Reads the state into {@code store} and returns the positions. */
    static KinesisSnapshot read(Path dir, SortedMapStore store) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                Files.newInputStream(dir.resolve(STATE_FILE)), 1 << 16))) {
            store.readFrom(in);
        }
        Positions saved = JSON.readValue(dir.resolve(POSITIONS_FILE).toFile(), new TypeReference<>() {});
        if (saved.format() != 1) {
            throw new IOException("shard positions written in format " + saved.format() + "; this runtime reads 1");
        }
        Map<String, ShardPosition> positions = new LinkedHashMap<>();
        saved.positions().forEach((shard, position) -> positions.put(shard, ShardPosition.parse(position)));
        return new KinesisSnapshot(positions, List.copyOf(saved.ended()));
    }
}

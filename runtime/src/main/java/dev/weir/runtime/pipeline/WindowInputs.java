package dev.weir.runtime.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The traced records an open window has aggregated, for its span's links: the contexts of the first
 * {@value #MAX_LINKS}, and how many there were in all. Kept in the window state next to the window, so they survive
 * restarts and checkpoints with it.
 */
public record WindowInputs(long traced, List<TraceParent> links) {
    /** Links per window span: enough to follow a window's inputs, bounded so state and spans stay small. */
    public static final int MAX_LINKS = 32;
    public static final WindowInputs NONE = new WindowInputs(0, List.of());

    public boolean isEmpty() {
        return traced == 0;
    }

    WindowInputs with(TraceParent input) {
        return merge(new WindowInputs(1, List.of(input)));
    }

    WindowInputs merge(WindowInputs other) {
        if (other.isEmpty()) {
            return this;
        }
        List<TraceParent> merged = new ArrayList<>(links);
        for (TraceParent link : other.links) {
            if (merged.size() == MAX_LINKS) {
                break;
            }
            merged.add(link);
        }
        return new WindowInputs(traced + other.traced, List.copyOf(merged));
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + links.size() * TraceParent.BINARY_SIZE).putLong(traced)
                .putInt(links.size());
        links.forEach(link -> link.write(b));
        return b.array();
    }

    static WindowInputs decode(byte[] bytes) {
        if (bytes == null) {
            return NONE;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long traced = b.getLong();
        List<TraceParent> links = new ArrayList<>();
        for (int n = b.getInt(); n > 0; n--) {
            links.add(TraceParent.read(b));
        }
        return new WindowInputs(traced, List.copyOf(links));
    }
}

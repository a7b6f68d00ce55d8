package dev.weir.runtime.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The traced records an open window has aggregated, for its span's links: the contexts of the first
 * {@value #MAX_LINKS}, and how many there were in all. Kept in the window state next to the window, so they survive
 * restarts and checkpoints with it: the links and the count apart, so that once the links are full a traced record
 * only rewrites the count.
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

    /** Adds a traced input to the window at {@code windowKey} in the state. */
    static void add(OrderedStore store, byte[] windowKey, TraceParent input) {
        byte[] countKey = StateKeys.inputCountOf(windowKey);
        byte[] count = store.get(countKey);
        long traced = count == null ? 0 : StateKeys.decodeLong(count);
        if (traced < MAX_LINKS) {
            byte[] linksKey = StateKeys.inputLinksOf(windowKey);
            List<TraceParent> links = new ArrayList<>(decodeLinks(store.get(linksKey)));
            links.add(input);
            store.put(linksKey, encodeLinks(links));
        }
        store.put(countKey, StateKeys.encodeLong(traced + 1));
    }

    /** Writes the inputs of the window at {@code windowKey} (nothing for none). */
    static void put(OrderedStore store, byte[] windowKey, WindowInputs inputs) {
        if (!inputs.isEmpty()) {
            store.put(StateKeys.inputLinksOf(windowKey), encodeLinks(inputs.links));
            store.put(StateKeys.inputCountOf(windowKey), StateKeys.encodeLong(inputs.traced));
        }
    }

    /** The inputs of the window at {@code windowKey}, removed from the state. */
    static WindowInputs take(OrderedStore store, byte[] windowKey) {
        byte[] countKey = StateKeys.inputCountOf(windowKey);
        byte[] count = store.get(countKey);
        if (count == null) {
            return NONE;
        }
        byte[] linksKey = StateKeys.inputLinksOf(windowKey);
        List<TraceParent> links = decodeLinks(store.get(linksKey));
        store.delete(countKey);
        store.delete(linksKey);
        return new WindowInputs(StateKeys.decodeLong(count), links);
    }

    static byte[] encodeLinks(List<TraceParent> links) {
        ByteBuffer b = ByteBuffer.allocate(4 + links.size() * TraceParent.BINARY_SIZE).putInt(links.size());
        links.forEach(link -> link.write(b));
        return b.array();
    }

    static List<TraceParent> decodeLinks(byte[] bytes) {
        if (bytes == null) {
            return List.of();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<TraceParent> links = new ArrayList<>();
        for (int n = b.getInt(); n > 0; n--) {
            links.add(TraceParent.read(b));
        }
        return List.copyOf(links);
    }
}

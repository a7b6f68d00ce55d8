package dev.weir.runtime.kafka;

/** A processor's output and where it goes. Control records go to every partition of their topic. */
record Routed(Route route, byte[] value, boolean control) {
    enum Route { SINK, DEAD_LETTER, KEYED }

    static Routed sink(byte[] value) {
        return new Routed(Route.SINK, value, false);
    }

    static Routed deadLetter(byte[] value) {
        return new Routed(Route.DEAD_LETTER, value, false);
    }

    static Routed keyed(byte[] value, boolean broadcast) {
        return new Routed(Route.KEYED, value, broadcast);
    }
}

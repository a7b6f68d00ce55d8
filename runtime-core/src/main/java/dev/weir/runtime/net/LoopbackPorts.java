package dev.weir.runtime.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free ports on loopback for the servers {@code weir run} and the tests start in this process or as children.
 *
 * <p>All ports of one call are distinct: their sockets stay open until the last is picked. Picked one at a
 * time, the system may hand the same port out twice (a CI run once gave Kafka's broker and controller
 * listeners one port). A port is still only free when picked; a caller that binds it later retries on
 * {@link java.net.BindException}.
 */
public final class LoopbackPorts {

    public static final String HOST = "127.0.0.1";

    private LoopbackPorts() {
    }

    /** {@code count} distinct ports free on {@link #HOST} at the time of the call. */
    public static int[] free(int count) {
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        } finally {
            sockets.forEach(LoopbackPorts::closeQuietly);
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // the port was picked; closing only lets the server that will use it bind it
        }
    }
}

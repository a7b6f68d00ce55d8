package dev.weir.e2e.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;

import com.sun.net.httpserver.HttpServer;

/**
 * The program behind {@link LocalClusterIT}'s test image: answers {@code /healthz} on {@code $PORT} and exits with
 * {@link #CRASH_EXIT_CODE} as soon as the file {@code $CRASH_FILE} exists, so a test can crash a pod from outside.
 */
public final class ProbeTarget {
    static final int CRASH_EXIT_CODE = 3;
    private ProbeTarget() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 0);
        server.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Path crashFile = Path.of(System.getenv("CRASH_FILE"));
        System.out.println("serving on " + server.getAddress() + ", crashing when " + crashFile + " exists");
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            crashFile.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
            while (!Files.exists(crashFile)) {
                watcher.take().reset();
            }
        }
        System.out.println(crashFile + " exists: exiting with " + CRASH_EXIT_CODE);
        System.exit(CRASH_EXIT_CODE);
    }
}

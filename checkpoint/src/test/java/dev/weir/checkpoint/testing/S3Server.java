package dev.weir.checkpoint.testing;

import dev.weir.checkpoint.LocalFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.weir.checkpoint.S3Options;
import dev.weir.checkpoint.StaticCredentials;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 API server on loopback for {@code *IT} tests: S3Proxy with its filesystem blob store, run as a child JVM
 * from the self-contained jar the build puts where system property {@value #JAR_PROPERTY} says. Started when the
 * test class starts, stopped when it ends; {@link #stop()} and {@link #start()} take it down and bring it back on
 * the same port with the same objects.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final S3Server s3 = new S3Server();
 * }</pre>
 */
public final class S3Server implements BeforeAllCallback, BeforeEachCallback, AutoCloseable {

    public static final String JAR_PROPERTY = "weir.s3proxy.jar";
    public static final String ACCESS_KEY = "weir-test-access-key";
    public static final String SECRET_KEY = "weir-test-secret-key";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(S3Server.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final String LOOPBACK = "127.0.0.1";
    private static final String BLOBS = "blobs";

    private final String accessKey;
    private final String secretKey;
    private Path dataDir;
    private int port;
    private Process process;
    private final Thread killOnExit = new Thread(this::kill, "s3-server-kill");

    @Override
    public void beforeAll(ExtensionContext context) {
        startOnce(context);
    }

    /** Covers registration on an instance field, which JUnit does after the before-all callbacks. */
    @Override
    public void beforeEach(ExtensionContext context) {
        startOnce(context);
    }

    /** A server that accepts the keys {@link #ACCESS_KEY} and {@link #SECRET_KEY}. */
    public S3Server() {
        this(ACCESS_KEY, SECRET_KEY);
    }

    private S3Server(String accessKey, String secretKey) {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** For programs outside JUnit (the restore benchmark): a started server; {@link #close()} ends it. */
    public static S3Server standalone() {
        return standalone(ACCESS_KEY, SECRET_KEY);
    }

    /**
     * {@link #standalone()} accepting only the given keys: values a test can look for (the e2e suite greps logs and
     * objects for them).
     */
    public static S3Server standalone(String accessKey, String secretKey) {
        S3Server server = new S3Server(accessKey, secretKey);
        server.startOnce(null);
        return server;
    }

    /** The access key id and secret key this server accepts. */
    public List<String> keys() {
        return List.of(accessKey, secretKey);
    }

    private synchronized void startOnce(ExtensionContext context) {
        if (dataDir == null) {
            try {
                dataDir = Files.createTempDirectory("weir-s3-");
                Files.createDirectories(dataDir.resolve(BLOBS));
                try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
                    port = socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(killOnExit);
            if (context != null) {
                context.getStore(NAMESPACE).put(S3Server.class, this);
            }
            start();
        }
    }

    /** Starts the server, or starts it again on its port with the objects it had. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        Path jar = Path.of(Optional.ofNullable(System.getProperty(JAR_PROPERTY)).orElseThrow(() -> new IllegalStateException(
                "system property " + JAR_PROPERTY + " is not set: the build copies S3Proxy's jar-with-dependencies "
                        + "(maven-dependency-plugin, see runtime/pom.xml) and passes its path to the tests")));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(JAR_PROPERTY + "=" + jar + " does not exist: run the build's "
                    + "generate-test-resources phase, which copies it");
        }
        try {
            Path properties = dataDir.resolveSibling(dataDir.getFileName() + ".properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=" + endpoint(),
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + dataDir.resolve(BLOBS)));
            Path log = jar.resolveSibling("s3proxy-" + port + ".log");
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-jar", jar.toString(), "--properties", properties.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            Process started = process;
            Awaitility.await("S3Proxy listening on " + endpoint() + " (log: " + log + ")")
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("S3Proxy exited with " + started.exitValue() + "; see " + log);
                        }
                        return accepts();
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("starting S3Proxy failed", e);
        }
    }

    /** Takes the server down; its port refuses connections until {@link #start()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping S3Proxy", e);
        }
        Awaitility.await("S3Proxy's port " + port + " closed").atMost(STOP_TIMEOUT).until(() -> !accepts());
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), (int) CONNECT_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public URI endpoint() {
        return URI.create("http://" + LOOPBACK + ":" + port);
    }

    /** How the checkpoint store reaches this server: its endpoint, path-style, its keys, short timeouts. */
    public S3Options s3Options() {
        return S3Options.defaults()
                .withEndpoint(endpoint())
                .withCredentials(Optional.of(new StaticCredentials(accessKey, secretKey, Optional.empty())))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20));
    }

    /** A client for the tests' own requests (creating buckets, looking at objects). */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .forcePathStyle(true)
                .region(Region.of(S3Options.DEFAULT_REGION_WITH_ENDPOINT))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
    }

    /** Creates the bucket and returns its location, {@code s3://bucket/}. */
    public URI createBucket(String bucket) {
        try (S3Client client = client()) {
            client.createBucket(request -> request.bucket(bucket));
        }
        return URI.create("s3://" + bucket + "/");
    }

    /** The keys of the bucket's objects under the prefix. */
    public List<String> keys(String bucket, String prefix) {
        try (S3Client client = client()) {
            return client.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix))
                    .contents().stream().map(S3Object::key).toList();
        }
    }

    @Override
    public synchronized void close() {
        stop();
        Runtime.getRuntime().removeShutdownHook(killOnExit);
        try {
            LocalFiles.deleteTree(dataDir);
            Files.deleteIfExists(dataDir.resolveSibling(dataDir.getFileName() + ".properties"));
        } catch (IOException e) {
            throw new UncheckedIOException("deleting S3Proxy's objects in " + dataDir + " failed", e);
        }
    }

    private void kill() {
        Process running = process;
        if (running != null) {
            running.destroyForcibly();
        }
    }
}

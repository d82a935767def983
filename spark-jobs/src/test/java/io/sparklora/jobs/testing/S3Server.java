package io.sparklora.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-protocol server for tests: S3Proxy with its filesystem backend (objects are files under
 * {@code store/<bucket>/<key>}), run as a JVM of its own from its self-contained jar (the build copies it to
 * {@code target/s3proxy/s3proxy.jar}; the system property {@code sparklora.s3proxy.jar} names it), bound to
 * 127.0.0.1 on a free port, requiring AWS signatures made with the given access and secret key.
 */
public final class S3Server implements AutoCloseable {
    public static final String JAR_PROPERTY = "sparklora.s3proxy.jar";
    /** S3Proxy's default region; the S3A client signs for it. */
    public static final String REGION = "us-east-1";

    private final Process process;
    private final int port;
    private final Path store;
    private final Path log;

    private S3Server(Process process, int port, Path store, Path log) {
        this.process = process;
        this.port = port;
        this.store = store;
        this.log = log;
    }

    /** Starts the server with one empty bucket per name; the server's own log goes to {@code dir/s3proxy.log}. */
    public static S3Server start(Path dir, String accessKey, String secretKey, String... buckets) throws Exception {
        String jar = System.getProperty(JAR_PROPERTY);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no S3Proxy jar at " + jar + " (system property " + JAR_PROPERTY
                    + "); run the test through mvn verify, which copies it to spark-jobs/target/s3proxy/");
        }
        Path store = Files.createDirectories(dir.resolve("s3-store"));
        for (String bucket : buckets) {
            Files.createDirectories(store.resolve(bucket)); // the filesystem backend's bucket is a directory
        }
        int port = freePort();
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey,
                "s3proxy.credential=" + secretKey,
                // S3Proxy has no session tokens: it ignores the x-amz-security-token header S3A sends with them.
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + store) + "\n");
        Path log = dir.resolve("s3proxy.log");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar, "--properties", properties.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3Server server = new S3Server(p, port, store, log);
        server.awaitListening(60);
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitListening(int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + ":\n" + logText());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        close();
        throw new IllegalStateException("S3Proxy did not listen on 127.0.0.1:" + port + " within " + seconds + " s:\n" + logText());
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the filesystem backend keeps the objects: {@code store()/<bucket>/<key>}. */
    public Path store() {
        return store;
    }

    public Path log() {
        return log;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The S3A settings (Hadoop configuration keys) for this server, without credentials: path-style requests to
     * the plain-HTTP endpoint in its region, no bucket probe at start.
     */
    public Map<String, String> s3aSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fs.s3a.endpoint", endpoint());
        s.put("fs.s3a.endpoint.region", REGION);
        s.put("fs.s3a.path.style.access", "true");
        s.put("fs.s3a.connection.ssl.enabled", "false");
        s.put("fs.s3a.bucket.probe", "0");
        return s;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}

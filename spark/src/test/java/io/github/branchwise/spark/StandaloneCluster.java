package io.github.branchwise.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A Spark standalone cluster on 127.0.0.1 started from the test's own class path: a master JVM and worker JVMs, as
 * {@code sbin/start-master.sh} and {@code sbin/start-worker.sh} would start them from a Spark distribution.
 *
 * <p>A worker launches each executor with {@code $SPARK_HOME/jars/*} on its class path (Spark's
 * {@code WorkerCommandBuilder}), so the cluster gets a {@code SPARK_HOME} of its own in a temporary directory: a
 * {@code RELEASE} marker and an empty {@code jars/}; the executors get the test's class path through
 * {@code spark.executor.extraClassPath} instead. Every JVM gets Spark's own Java 17 module options
 * ({@link JavaModuleOptions}, what {@code bin/spark-class} passes).
 */
final class StandaloneCluster implements AutoCloseable {
    /** How long the cluster may take to come up: JVM starts on a busy two-core machine are slow. */
    private static final long START_SECONDS = 180;

    private final Path home;
    private final String classPath;
    private final int masterPort;
    private final int webPort;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();

    /**
     * Starts a master and {@code workers} workers of one core each and waits until every worker has registered.
     *
     * @throws IllegalStateException when the cluster does not come up in time (with the JVMs' logs)
     */
    StandaloneCluster(Path directory, int workers) throws IOException, InterruptedException {
        this.home = directory.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("RELEASE"), "branchwise test cluster\n");
        this.classPath = testClassPath();
        this.masterPort = freePort();
        this.webPort = freePort();
        this.master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(webPort));
        for (int w = 0; w < workers; w++) {
            Path work = Files.createDirectories(home.resolve("work" + w));
            this.workers.add(start("worker" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", "1", "--memory", "1536m", "--work-dir", work.toString(), "--webui-port", "0",
                    masterUrl()));
        }
        awaitWorkers(workers);
    }

    /** The master's URL, {@code spark://127.0.0.1:<port>}. */
    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** The class path of this test JVM, absolute, for the executors and the driver JVM. */
    String classPath() {
        return classPath;
    }

    /** A command line that runs {@code mainClass} in a JVM like the cluster's, with the test's class path. */
    List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return command;
    }

    /** The environment every JVM of the cluster runs with. */
    void environment(ProcessBuilder builder) {
        builder.environment().put("SPARK_HOME", home.toString());
        builder.environment().put("SPARK_SCALA_VERSION", "2.13");
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().put("OMP_NUM_THREADS", "1");
    }

    /** Kills worker {@code index} and the executors it launched at once, as a machine that fails would. */
    void killWorker(int index) {
        Process worker = workers.get(index);
        worker.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        worker.destroyForcibly();
    }

    /** The log of one JVM of the cluster ({@code master}, {@code worker0}, ...). */
    String log(String name) {
        try {
            return Files.readString(home.resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        for (Process worker : workers) {
            worker.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            worker.destroyForcibly();
        }
        master.destroyForcibly();
        for (Process process : workers) {
            waitQuietly(process);
        }
        waitQuietly(master);
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(java(mainClass, args));
        environment(builder);
        builder.redirectErrorStream(true);
        builder.redirectOutput(home.resolve(name + ".log").toFile());
        return builder.start();
    }

    private void awaitWorkers(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
        int seen = 0;
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) {
                throw new IllegalStateException("the Spark master exited:\n" + log("master"));
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(
                        "http://127.0.0.1:" + webPort + "/json/").toURL().openConnection();
                connection.setConnectTimeout(2000);
                connection.setReadTimeout(2000);
                String json = new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                Matcher matcher = alive.matcher(json);
                seen = matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
                if (seen == expected) {
                    return;
                }
            } catch (IOException notYet) {
                // The master's web UI is not up yet.
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(seen + " of " + expected + " workers registered within " + START_SECONDS
                + " s\nmaster:\n" + log("master") + "\nworker0:\n" + log("worker0"));
    }

    private static String testClassPath() {
        // Surefire runs the tests from a manifest-only jar; it gives the real class path in this property.
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> absolute = new ArrayList<>();
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                absolute.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, absolute);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void waitQuietly(Process process) {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

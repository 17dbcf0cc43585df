package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.NativeThreads;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.DataSource;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.Fitting;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainingEvent;
import io.github.branchwise.runtime.training.TrainingListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Issue 13's "thread choice that needs no user action", checked side by side: whole {@code fit} runs of a small
 * three-branch tabular model (8 numeric features, a {@code @Shared} dense trunk 32-16 ReLU, a regression head with
 * MSE, a binary head with BCE and a 3-class softmax head with categorical cross-entropy; 4,000 rows, batch 32, 5
 * epochs, Adam, default metrics, no progress output) under three configurations: the default (no
 * {@code OMP_NUM_THREADS}, no property: the fitting chooses by itself), one native thread and every core (both as
 * {@code OMP_NUM_THREADS}, set before the JVM starts as a user would). Each run is a fresh JVM, because the thread
 * setting is process-wide and the automatic choice must start clean; the configurations alternate, their order
 * rotating each round, so drifting load from other tenants hits all three alike. Then the same again while a child
 * JVM spins on one core ({@code busy}).
 *
 * <p>Per scenario it prints each configuration's median and range of the fit's wall time (ms, measured inside the
 * child around {@code Fitting.fit}; JVM start-up, ND4J's loading and the graph's building are outside), what the
 * default chose, the ratio default / best median and PASS or FAIL against 1.10, the bound, and the median
 * and range of the same ratio taken per round (each default run against the best fixed run of its own round). A
 * benchmark, not a test: nothing runs it in the build.
 *
 * <pre>mvn -B -o -q -pl benchmarks -am -DskipTests package
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.ThreadChoiceBenchmark [rounds=3] [scenarios=idle,busy] [rows=4000] [epochs=5]
 *     [batch=32] [configs=default,1,all]</pre>
 *
 * <p>({@code -am}: the class path then names this checkout's runtime jar, not the one in the local repository.) On
 * 2 shared cores one round of both scenarios takes 1–3 minutes, most of it the every-core runs (7–70 s each there);
 * {@code rounds=1} is the quick look. {@code configs=...,set1} adds a diagnostic configuration: nothing in the
 * environment, {@code NativeThreads.set(1)} before the fit.
 */
public final class ThreadChoiceBenchmark {
    private static final String RESULT = "THREAD-CHOICE-RESULT";
    private static final double BOUND = 1.10;

    private ThreadChoiceBenchmark() {
    }

    /** A thread configuration of one child JVM. */
    enum Config {
        /** Nothing set: the fitting chooses. */
        DEFAULT("default"),
        /** {@code OMP_NUM_THREADS=1}. */
        ONE("1"),
        /** {@code OMP_NUM_THREADS=<cores>}. */
        ALL("all"),
        /**
         * Diagnostic, not in the default set: nothing in the environment, {@code NativeThreads.set(1)} in the child
         * before the model is built (one thread chosen at run time rather than at the JVM's start).
         */
        SET_ONE("set1");

        final String label;

        Config(String label) {
            this.label = label;
        }

        static Config parse(String s) {
            for (Config c : values()) {
                if (c.label.equalsIgnoreCase(s.strip())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("no configuration '" + s + "': default, 1, all or set1");
        }
    }

    /** One child's fit. */
    record Run(double fitMillis, int threadsAtEnd, String epochs, String choices) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--fit")) {
            fitOnce(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 && args[4].equals("set1"));
            return;
        }
        if (args.length > 0 && args[0].equals("--spin")) {
            spin(Long.parseLong(args[1]));
            return;
        }
        Map<String, String> options = new LinkedHashMap<>(Map.of("rounds", "3", "scenarios", "idle,busy",
                "rows", "4000", "epochs", "5", "batch", "32", "configs", "default,1,all"));
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2 || !options.containsKey(kv[0])) {
                throw new IllegalArgumentException("expected key=value with a key of " + options.keySet() + ", got "
                        + arg);
            }
            options.put(kv[0], kv[1]);
        }
        int rounds = Integer.parseInt(options.get("rounds"));
        List<Config> configs = Arrays.stream(options.get("configs").split(",")).map(Config::parse).toList();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "ThreadChoiceBenchmark: %s rows, batch %s, %s epochs, %d cores, %d round(s), "
                        + "load average %.2f at start%n", options.get("rows"), options.get("batch"),
                options.get("epochs"), cores, rounds, loadAverage());
        List<String> summary = new ArrayList<>();
        for (String scenario : options.get("scenarios").split(",")) {
            boolean busy = switch (scenario.strip()) {
                case "idle" -> false;
                case "busy" -> true;
                default -> throw new IllegalArgumentException("scenarios are idle and busy, got " + scenario);
            };
            summary.add(scenario(scenario.strip(), busy, rounds, configs, cores, options));
        }
        System.out.println();
        summary.forEach(System.out::println);
    }

    private static String scenario(String name, boolean busy, int rounds, List<Config> configs, int cores,
                                   Map<String, String> options) throws Exception {
        Process spinner = busy ? startSpinner() : null;
        Map<Config, List<Run>> runs = new EnumMap<>(Config.class);
        try {
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < configs.size(); i++) {
                    Config config = configs.get((i + round) % configs.size());
                    Run run = child(config, cores, options);
                    runs.computeIfAbsent(config, c -> new ArrayList<>()).add(run);
                    System.out.printf(Locale.ROOT, "%s round %d %-7s %8.0f ms  threads %d  epochs %s%s  (load %.2f)%n",
                            name, round + 1, config.label, run.fitMillis(), run.threadsAtEnd(), run.epochs(),
                            run.choices().isEmpty() ? "" : "  " + run.choices(), loadAverage());
                }
            }
        } finally {
            if (spinner != null) {
                spinner.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-5s", name));
        double best = Double.POSITIVE_INFINITY;
        for (Config config : configs) {
            double[] ms = runs.get(config).stream().mapToDouble(Run::fitMillis).sorted().toArray();
            double median = median(ms);
            line.append(String.format(Locale.ROOT, " | %s %.0f ms (%.0f-%.0f)", config.label, median, ms[0],
                    ms[ms.length - 1]));
            if (config != Config.DEFAULT) {
                best = Math.min(best, median);
            }
        }
        if (runs.containsKey(Config.DEFAULT) && Double.isFinite(best)) {
            double ratio = median(runs.get(Config.DEFAULT).stream().mapToDouble(Run::fitMillis).sorted().toArray())
                    / best;
            line.append(String.format(Locale.ROOT, " | default/best %.2f %s (bound %.2f)", ratio,
                    ratio <= BOUND ? "PASS" : "FAIL", BOUND));
            // The same per round: each round's default against that round's best fixed count, which ran next to
            // it; less exposed to load that drifts between rounds.
            double[] paired = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                double bestOfRound = Double.POSITIVE_INFINITY;
                for (Config config : configs) {
                    if (config != Config.DEFAULT) {
                        bestOfRound = Math.min(bestOfRound, runs.get(config).get(round).fitMillis());
                    }
                }
                paired[round] = runs.get(Config.DEFAULT).get(round).fitMillis() / bestOfRound;
            }
            Arrays.sort(paired);
            line.append(String.format(Locale.ROOT, " | per round %.2f (%.2f-%.2f)", median(paired), paired[0],
                    paired[rounds - 1]));
            line.append(" | default chose ").append(runs.get(Config.DEFAULT).stream()
                    .map(r -> Integer.toString(r.threadsAtEnd())).toList());
        }
        return line.toString();
    }

    /** One fit in a fresh JVM under {@code config}. */
    private static Run child(Config config, int cores, Map<String, String> options) throws IOException,
            InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(javaCommand(), "-cp", System.getProperty("java.class.path"),
                ThreadChoiceBenchmark.class.getName(), "--fit", options.get("rows"), options.get("epochs"),
                options.get("batch"), config == Config.SET_ONE ? "set1" : "-");
        builder.environment().remove("OMP_NUM_THREADS");
        switch (config) {
            case ONE -> builder.environment().put("OMP_NUM_THREADS", "1");
            case ALL -> builder.environment().put("OMP_NUM_THREADS", Integer.toString(cores));
            case DEFAULT, SET_ONE -> {
            }
        }
        Process process = builder.start();
        CompletableFuture<List<String>> err = CompletableFuture.supplyAsync(() -> lines(process.getErrorStream()));
        List<String> out = lines(process.getInputStream());
        int exit = process.waitFor();
        List<String> log = err.join();
        String result = out.stream().filter(l -> l.startsWith(RESULT)).findFirst().orElse(null);
        if (exit != 0 || result == null) {
            System.out.println(String.join("\n", out));
            System.out.println(String.join("\n", log));
            throw new IllegalStateException("the " + config.label + " child exited with " + exit);
        }
        String[] parts = result.split(" ");
        // What the automatic choice logged: its measurements, and any measuring again.
        List<String> choices = log.stream()
                .filter(l -> l.contains("native thread") || l.contains("choosing again"))
                .map(l -> l.substring(l.indexOf(": ") + 2).replace(" per step", ""))
                .toList();
        return new Run(Double.parseDouble(parts[1]), Integer.parseInt(parts[2]), parts[3], String.join("; ", choices));
    }

    private static List<String> lines(java.io.InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Process startSpinner() throws IOException, InterruptedException {
        Process spinner = new ProcessBuilder(javaCommand(), "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), ThreadChoiceBenchmark.class.getName(), "--spin", "3600")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(spinner::destroyForcibly));
        Thread.sleep(1000);
        return spinner;
    }

    /**
     * Keeps one core busy for at most {@code seconds}, and stops when the parent goes (its standard input closes),
     * so that no spinner outlives the benchmark.
     */
    private static void spin(long seconds) {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing: wait for the end of the stream
                }
            } catch (IOException e) {
                // the parent is gone either way
            }
            System.exit(0);
        });
        watcher.setDaemon(true);
        watcher.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long x = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1_000_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        System.out.println(x);
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The child: one fit of the tabular model, its wall time and the thread count it ended with. */
    private static void fitOnce(int rows, int epochs, int batch, boolean setOne) {
        if (setOne) {
            Nd4j.getEnvironment(); // the backend loaded first, as in a program that has used ND4J already
            NativeThreads.set(1);
        }
        INDArray[][] data = tabularData(rows, 1);
        Trainer trainer = Trainer.create(tabular(), TrainingOptions.builder().seed(1).updater(new Adam(1e-3)).build());
        Fitting fitting = Fitting.of(trainer);
        List<String> epochMillis = new ArrayList<>();
        long t0 = System.nanoTime();
        long[] last = {t0};
        fitting.fit(DataSource.arrays(data[0], data[1], batch), FitConfig.builder().epochs(epochs).silent()
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(TrainingEvent event) {
                        long now = System.nanoTime();
                        epochMillis.add(Long.toString((now - last[0]) / 1_000_000));
                        last[0] = now;
                    }
                }).build());
        long t1 = System.nanoTime();
        System.out.printf(Locale.ROOT, "%s %.3f %d %s%n", RESULT, (t1 - t0) / 1e6, NativeThreads.current(),
                String.join("/", epochMillis));
    }

    /**
     * The small tabular model, written the way the processor generates it (this module compiles without it): as
     * <pre>{@code
     * @WeightedLoss(weighting = Weighting.FIXED, weights = {1, 1, 1})
     * abstract class Tabular {
     *     @Input(shape = 8) abstract SDVariable features();
     *     @Shared SDVariable trunk(Layers nn) { return nn.dense(nn.dense(features(), 32, RELU), 16, RELU); }
     *     @Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR)
     *     SDVariable price(Layers nn) { return nn.dense(trunk(), 1, IDENTITY); }
     *     @Branch(shape = 1) @BranchLoss(Loss.BINARY_CROSSENTROPY)
     *     SDVariable churn(Layers nn) { return nn.dense(trunk(), 1, SIGMOID); }
     *     @Branch(shape = 3) @BranchLoss(Loss.CATEGORICAL_CROSSENTROPY)
     *     SDVariable segment(Layers nn) { return nn.dense(trunk(), 3, SOFTMAX); }
     * }
     * }</pre>
     */
    static ModelSpec tabular() {
        return ModelSpec.builder("bench.Tabular")
                .input("features", 8)
                .branch("price", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("churn", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("segment", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.fixed(1.0, 1.0, 1.0))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.dense(scope.input("features"), 32, Activation.RELU);
                    h = trunk.dense(h, 16, Activation.RELU);
                    scope.output("price", scope.layers("price").dense(h, 1, Activation.IDENTITY));
                    scope.output("churn", scope.layers("churn").dense(h, 1, Activation.SIGMOID));
                    scope.output("segment", scope.layers("segment").dense(h, 3, Activation.SOFTMAX));
                })
                .build();
    }

    /**
     * {inputs, targets} of {@code rows} synthetic rows with something to learn: standard normal features, a price
     * linear in them plus noise, churn when a second linear score is positive, the segment by the sign pattern of two
     * features (one-hot).
     */
    static INDArray[][] tabularData(int rows, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[rows][8];
        float[][] price = new float[rows][1];
        float[][] churn = new float[rows][1];
        float[][] segment = new float[rows][3];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 8; c++) {
                x[r][c] = (float) random.nextGaussian();
            }
            price[r][0] = 0.5f * x[r][0] - 0.3f * x[r][1] + 0.2f * x[r][2] * x[r][3]
                    + 0.1f * (float) random.nextGaussian();
            churn[r][0] = x[r][4] + 0.5f * x[r][5] - 0.25f * x[r][0] > 0 ? 1f : 0f;
            int s = x[r][6] > 0.5f ? 2 : x[r][7] > 0 ? 1 : 0;
            segment[r][s] = 1f;
        }
        return new INDArray[][] {{Nd4j.createFromArray(x)},
                {Nd4j.createFromArray(price), Nd4j.createFromArray(churn), Nd4j.createFromArray(segment)}};
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}

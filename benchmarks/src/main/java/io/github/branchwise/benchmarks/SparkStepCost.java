package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.spark.Example;
import io.github.branchwise.spark.ExampleLayout;
import io.github.branchwise.spark.ReplicaLoader;
import io.github.branchwise.spark.SparkTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Where a synchronous {@link SparkTrainer} step's time goes, for K = 1, 2 and 4 partitions on {@code local[K]} (one
 * JVM: the driver and K executor threads), on the seed (global batch 1024), mlp (256) and cnn (64) workloads: the
 * global batch is fixed and split K ways ({@code B/K} rows per partition per step), so more partitions is what a
 * larger cluster would do with the same training run. Per step ({@link SparkTrainer.StepTiming}, medians over the
 * measured steps after a warm-up): the whole step; the slowest partition's compute ({@code contribute}) and state load
 * on its executor, and their sum over partitions; {@code beginStep} and the broadcast on the driver; aggregation (the
 * {@code treeAggregate} job less its slowest partition: scheduling, task results' (de)serialisation, sums); the
 * driver's {@code applyStep}; and the Java serialisation of the state and of one contribution (bytes, and the time to
 * write and read them once). Also one process's {@code Trainer.fit} on the whole global batch, without Spark.
 * Prints Markdown tables, with ratios to one partition.
 *
 * <p>Nothing here can show a speed-up: the K executor threads share this machine's cores (2 on the development
 * machine), and nothing crosses a network. What it shows is the fixed cost of a Spark step, and what serialisation
 * costs per megabyte; docs/distributed.md ("Cost") turns those into a model for real clusters.
 *
 * <pre>
 * benchmarks/run-spark-step-cost.sh [workloads|all] [partitions] [steps] [warm-up] [strategy] [rounds]
 * </pre>
 * (the script passes the {@code --add-opens} flags of the spark module's surefire {@code argLine}).
 */
public final class SparkStepCost {
    private SparkStepCost() {
    }

    /** The workloads: the seed model at its large batch, the mlp and the cnn. */
    static final List<Workloads.Workload> WORKLOADS = List.of(Workloads.Workload.SEED_1024,
            Workloads.Workload.MLP_256, Workloads.Workload.CNN_64);

    public static void main(String[] args) {
        // Standard output as it is now: after a second SparkContext in one JVM, System.out was seen to write nowhere
        // (something replaces it), so the tables go to the stream the JVM started with.
        java.io.PrintStream stdout = System.out;
        List<Workloads.Workload> workloads = args.length > 0 && !args[0].equals("all")
                ? Arrays.stream(args[0].split(",")).map(Workloads.Workload::valueOf).toList() : WORKLOADS;
        int[] partitions = args.length > 1
                ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 2, 4};
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        Weighting strategy = args.length > 4 ? Weighting.valueOf(args[4]) : Weighting.FIXED;
        // The first SparkContext of a JVM runs Spark's own code cold (the first K measured 3x slower than the same K
        // later): every K runs this many times, in turn, and the last round is kept.
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 2;

        Map<String, Cell> cells = new LinkedHashMap<>();
        Map<Workloads.Workload, double[]> oneProcess = new LinkedHashMap<>();
        for (Workloads.Workload workload : workloads) {
            oneProcess.put(workload, oneProcess(workload, strategy, steps, warmUp));
        }
        for (int round = 0; round < rounds; round++) {
            for (int k : partitions) {
                measure(k, round, workloads, strategy, steps, warmUp, cells);
            }
        }
        java.io.StringWriter text = new java.io.StringWriter();
        print(new java.io.PrintWriter(text, true), workloads, partitions, strategy, steps, warmUp, cells, oneProcess);
        stdout.print(text);
        stdout.flush();
    }

    /** Every workload at {@code K} partitions, in one {@code local[K]} context, into {@code cells}. */
    private static void measure(int k, int round, List<Workloads.Workload> workloads, Weighting strategy, int steps,
                                int warmUp, Map<String, Cell> cells) {
        SparkConf conf = new SparkConf().setMaster("local[" + k + "]").setAppName("branchwise-step-cost")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            for (Workloads.Workload workload : workloads) {
                if (workload.batch() % k != 0) {
                    throw new IllegalArgumentException(workload + ": batch " + workload.batch()
                            + " does not split into " + k + " partitions");
                }
                cells.put(workload + "/" + k, run(sc, workload, strategy, k, steps, warmUp));
                System.err.println("done " + workload + " K=" + k + ", round " + (round + 1));
            }
        }
    }

    /** The medians of one workload at one K. */
    record Cell(int parameters, Map<String, Double> ms, double stateBytes, double contributionBytes) {
    }

    private static Trainer trainer(Workloads.Workload workload, Weighting strategy) {
        return Trainer.create(workload.spec(strategy),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(ExecutorKind.COMPILED).build());
    }

    /** One process's step on the whole global batch: median ms, and the parameters' count. */
    private static double[] oneProcess(Workloads.Workload workload, Weighting strategy, int steps, int warmUp) {
        Trainer trainer = trainer(workload, strategy);
        INDArray[][] data = workload.data(1);
        double[] ms = new double[steps];
        for (int i = -warmUp; i < steps; i++) {
            long t0 = System.nanoTime();
            trainer.fit(data[0], data[1]);
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        long parameters = trainer.parameters().values().stream().mapToLong(INDArray::length).sum();
        return new double[] {median(ms), parameters};
    }

    private static Cell run(JavaSparkContext sc, Workloads.Workload workload, Weighting strategy, int k, int steps,
                            int warmUp) {
        Trainer trainer = trainer(workload, strategy);
        // Only the enums travel; each executor builds the model from the spec and loads the driver's file.
        ReplicaLoader loader = file -> Trainer.load(workload.spec(strategy), file);
        SparkTrainer spark = new SparkTrainer(sc, trainer, loader, 2);
        int perPartition = workload.batch() / k;
        // Each partition makes its (steps + warm-up) batches of B/K rows on its executor, from a seed of its own, as
        // a file source would read them: a partition of parallelize(rows) would carry its rows in every step's task.
        int rows = perPartition * (steps + warmUp);
        ExampleLayout layout = spark.layout();
        JavaRDD<Example> data = sc.parallelize(java.util.stream.IntStream.range(0, k).boxed().toList(), k)
                .mapPartitions(seeds -> {
                    List<Example> made = new ArrayList<>();
                    seeds.forEachRemaining(seed -> made.addAll(examples(workload, layout, rows, seed)));
                    return made.iterator();
                }, true);
        List<SparkTrainer.StepTiming> timings = new ArrayList<>();
        spark.onStepTiming(timings::add);
        spark.fit(data, perPartition, 1);
        List<SparkTrainer.StepTiming> measured = timings.subList(warmUp, timings.size());
        for (SparkTrainer.StepTiming t : measured) {
            if (t.partitions() != k) {
                throw new IllegalStateException("step " + t.step() + " had " + t.partitions() + " partitions");
            }
        }
        Map<String, Double> ms = new LinkedHashMap<>();
        ms.put("step", ms(measured, t -> t.totalNanos()));
        ms.put("compute", ms(measured, t -> Arrays.stream(t.computeNanos()).max().orElse(0)));
        ms.put("computeSum", ms(measured, t -> Arrays.stream(t.computeNanos()).sum()));
        ms.put("load", ms(measured, t -> Arrays.stream(t.loadNanos()).max().orElse(0)));
        ms.put("slowest", ms(measured, t -> t.slowestPartitionNanos()));
        ms.put("begin", ms(measured, t -> t.beginNanos()));
        ms.put("broadcast", ms(measured, t -> t.broadcastNanos()));
        ms.put("job", ms(measured, t -> t.jobNanos()));
        ms.put("aggregation", ms(measured, t -> t.aggregationNanos()));
        ms.put("apply", ms(measured, t -> t.applyNanos()));
        ms.put("stateSer", ms(measured, t -> t.state().serialiseNanos() + t.state().deserialiseNanos()));
        ms.put("contributionSer", ms(measured,
                t -> t.contribution().serialiseNanos() + t.contribution().deserialiseNanos()));
        long parameters = trainer.parameters().values().stream().mapToLong(INDArray::length).sum();
        return new Cell((int) parameters, ms, measured.get(0).state().bytes(), measured.get(0).contribution().bytes());
    }

    private static double ms(List<SparkTrainer.StepTiming> timings, ToDoubleFunction<SparkTrainer.StepTiming> f) {
        return median(timings.stream().mapToDouble(f).map(n -> n / 1e6).toArray());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Random rows like {@link Workloads.Workload#data}'s: uniform inputs, class ids, 0/1 or uniform targets. */
    static List<Example> examples(Workloads.Workload workload, ExampleLayout layout, int rows, long seed) {
        Random random = new Random(seed);
        List<Example> examples = new ArrayList<>(rows);
        boolean seedModel = workload == Workloads.Workload.SEED_7 || workload == Workloads.Workload.SEED_1024;
        for (int r = 0; r < rows; r++) {
            float[][] inputs = new float[layout.inputCount()][];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = uniform(random, layout.inputLength(i));
            }
            float[][] targets = new float[layout.branchCount()][];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = uniform(random, layout.targetLength(i));
                if (layout.branch(i).equals("classes")) {
                    targets[i][0] = random.nextInt(10);
                } else if (seedModel) {
                    for (int j = 0; j < targets[i].length; j++) {
                        targets[i][j] = Math.round(targets[i][j]);
                    }
                }
            }
            examples.add(new Example(inputs, targets));
        }
        return examples;
    }

    private static float[] uniform(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }

    private static void print(java.io.PrintWriter out, List<Workloads.Workload> workloads, int[] partitions, Weighting strategy, int steps,
                              int warmUp, Map<String, Cell> cells, Map<Workloads.Workload, double[]> oneProcess) {
        out.printf(Locale.ROOT, "%n%s, medians of %d steps after %d warm-up steps, ms; local[K], one JVM, "
                        + "%d cores (%s, %s)%n%n", strategy, steps, warmUp, Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), System.getProperty("java.version"));
        out.println("| workload (global batch) | P (params) | K | step | step / K=1 | one process | "
                + "slowest compute | compute / K=1 | Σ compute | state load | beginStep | broadcast | job | "
                + "aggregation (job − slowest) | applyStep |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Workloads.Workload workload : workloads) {
            Cell one = cells.get(workload + "/" + partitions[0]);
            for (int k : partitions) {
                Cell c = cells.get(workload + "/" + k);
                Map<String, Double> m = c.ms();
                out.printf(Locale.ROOT, "| %s (%d) | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.3f "
                                + "| %.3f | %.3f | %.2f | %.2f | %.3f |%n",
                        workload.peerName(), workload.batch(), c.parameters(), k, m.get("step"),
                        m.get("step") / one.ms().get("step"), oneProcess.get(workload)[0], m.get("compute"),
                        m.get("compute") / one.ms().get("compute"), m.get("computeSum"), m.get("load"),
                        m.get("begin"), m.get("broadcast"), m.get("job"), m.get("aggregation"), m.get("apply"));
            }
        }
        out.println();
        out.println("| workload | K | state bytes | state ser+deser ms | contribution bytes | "
                + "contribution ser+deser ms | ms per MB (state and contribution) |");
        out.println("|---|---|---|---|---|---|---|");
        for (Workloads.Workload workload : workloads) {
            for (int k : partitions) {
                Cell c = cells.get(workload + "/" + k);
                double ser = c.ms().get("stateSer") + c.ms().get("contributionSer");
                out.printf(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.0f | %.3f | %.2f |%n", workload.peerName(),
                        k, c.stateBytes(), c.ms().get("stateSer"), c.contributionBytes(), c.ms().get("contributionSer"),
                        ser / ((c.stateBytes() + c.contributionBytes()) / 1e6));
            }
        }
    }
}

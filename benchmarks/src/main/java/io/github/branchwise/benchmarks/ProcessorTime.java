package io.github.branchwise.benchmarks;

import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Annotation-processor cost per annotated model class (issue 4: target ≤ 20 ms a class): writes {@code N} model
 * classes (default 50; conv and dense branches, one or two inputs, five weightings), then compiles them in this
 * JVM with {@code javax.tools}, in every round once without the processor ({@code -proc:none}) and once with it
 * (and once with a baseline processor, see below), the order rotating from round to round so that none always runs
 * right after another. The first {@code warmup} rounds (default 2) are left out of the medians: javac itself warms
 * up over them. The processor is loaded from {@code -processorpath} by a fresh class loader in every compilation,
 * as in a build, so its own code and JavaPoet never get warm; javac does.
 *
 * <p>Printed, as Markdown, per processor: the median wall time of the compilation, the difference to the plain
 * one per class (the processor plus the compilation of what it generates), the time javac reports inside
 * annotation processing per class ({@code ANNOTATION_PROCESSING}: the processor's rounds, then parsing and entering
 * the generated sources), of which in the processor's rounds ({@code ANNOTATION_PROCESSING_ROUND}: the processor's
 * own code, JavaPoet and the {@code Filer}), the difference in CPU time of the compiling thread per class (javac
 * runs in this thread; JIT and GC threads are left out, which makes it the steadier figure on a loaded machine),
 * and the first compilation of the run (cold javac, as in a one-off build; shown only for the processor compiled
 * first, right after the plain compilation, since the next one already finds javac warmer: compare cold times of
 * two processors in separate JVMs, {@code ProcessorTime 50 1 0}).
 *
 * <p>{@code -Dbaseline=<jar>} adds a second processor, such as the processor jar of an earlier commit, measured in
 * the same rounds: before and after in one run, on a machine whose load changes from minute to minute. Its
 * processor path is this class path with the branchwise-processor entry replaced by that jar, so that both load
 * from the same number of jars; the generated code of both is compiled against this class path.
 *
 * <pre>java [-Dbaseline=/tmp/before/branchwise-processor.jar] \
 *     -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.ProcessorTime [classes] [rounds] [warmup]</pre>
 * The classpath must hold branchwise-processor (the benchmarks module depends on it).
 */
public final class ProcessorTime {
    private static final String PROCESSOR = "io.github.branchwise.processor.BranchwiseProcessor";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ProcessorTime() {
    }

    public static void main(String[] args) throws IOException {
        int classes = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        if (rounds <= warmup) {
            throw new IllegalArgumentException("rounds must exceed warmup (" + warmup + ")");
        }
        String current = System.getProperty("java.class.path");
        String baseline = System.getProperty("baseline");
        List<String> labels = new ArrayList<>(List.of("plain", "processor"));
        List<String> paths = new ArrayList<>(Arrays.asList(null, current));
        if (baseline != null && !baseline.isEmpty()) {
            labels.add(1, "baseline");
            paths.add(1, replaceProcessor(current, baseline));
        }
        int kinds = labels.size();
        Path dir = Files.createTempDirectory("branchwise-processor-time");
        try {
            List<Path> sources = write(dir.resolve("src"), classes);
            List<List<long[]>> runs = new ArrayList<>();
            long[][] first = new long[kinds][];
            for (int k = 0; k < kinds; k++) {
                runs.add(new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (int j = 0; j < kinds; j++) {
                    int k = (round + j) % kinds;
                    long[] times = compile(sources, dir.resolve(labels.get(k) + round), paths.get(k));
                    if (round == 0) {
                        first[k] = times;
                    }
                    if (round >= warmup) {
                        runs.get(k).add(times);
                    }
                }
            }
            double plain = median(runs.get(0), 0) / 1e6;
            double plainCpu = median(runs.get(0), 3) / 1e6;
            System.out.println("#### Annotation processor time (" + classes + " model classes, median of "
                    + (rounds - warmup) + " rounds after " + warmup + " warm-up rounds, javac in-process; "
                    + "load average " + load() + ")\n");
            System.out.println("| processor | compile without processor | with processor | difference per class "
                    + "| inside annotation processing per class | of which processor rounds per class "
                    + "| difference per class, thread CPU | first compilation: difference per class |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (int k = 1; k < kinds; k++) {
                double with = median(runs.get(k), 0) / 1e6;
                System.out.printf(Locale.ROOT,
                        "| %s | %.0f ms | %.0f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %s |%n",
                        labels.get(k), plain, with, (with - plain) / classes,
                        median(runs.get(k), 1) / 1e6 / classes, median(runs.get(k), 2) / 1e6 / classes,
                        (median(runs.get(k), 3) / 1e6 - plainCpu) / classes,
                        k == 1 ? String.format(Locale.ROOT, "%.1f ms", (first[k][0] - first[0][0]) / 1e6 / classes)
                                : "(warmer)");
            }
            if (kinds == 3) {
                System.out.println();
                System.out.println("Paired by round (both compiled in the same round, so slow load changes cancel): "
                        + "processor / baseline of the difference to the plain compilation, median (range) over "
                        + (rounds - warmup) + " rounds: wall " + paired(runs, 0) + ", thread CPU " + paired(runs, 3)
                        + ".");
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** The class path with its branchwise-processor entry (jar or classes folder) replaced by {@code jar}. */
    private static String replaceProcessor(String classPath, String jar) {
        List<String> entries = new ArrayList<>(Arrays.asList(classPath.split(File.pathSeparator)));
        boolean replaced = entries.removeIf(e -> e.contains("branchwise-processor") || e.contains("processor/target/classes"));
        if (!replaced) {
            throw new IllegalStateException("no branchwise-processor on the class path " + classPath);
        }
        entries.add(0, jar);
        return String.join(File.pathSeparator, entries);
    }

    private static String load() {
        try {
            return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * {wall nanos, nanos inside annotation processing, nanos inside the processor's rounds, CPU nanos of this
     * thread}; {@code processorPath}
     * null for {@code -proc:none}.
     */
    private static long[] compile(List<Path> sources, Path out, String processorPath) throws IOException {
        Files.createDirectories(out.resolve("classes"));
        Files.createDirectories(out.resolve("generated"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            List<String> options = new ArrayList<>(Arrays.asList("-classpath", System.getProperty("java.class.path"),
                    "-d", out.resolve("classes").toString(), "-s", out.resolve("generated").toString(),
                    "--release", "17", "-nowarn"));
            if (processorPath != null) {
                options.addAll(List.of("-processorpath", processorPath, "-processor", PROCESSOR));
            } else {
                options.add("-proc:none");
            }
            JavacTask task = (JavacTask) javac.getTask(errors, files, null, options, null, units);
            long[] times = new long[4];
            long[] started = new long[2];
            task.addTaskListener(new TaskListener() {
                @Override
                public void started(TaskEvent e) {
                    if (e.getKind() == TaskEvent.Kind.ANNOTATION_PROCESSING) {
                        started[0] = System.nanoTime();
                    } else if (e.getKind() == TaskEvent.Kind.ANNOTATION_PROCESSING_ROUND) {
                        started[1] = System.nanoTime();
                    }
                }

                @Override
                public void finished(TaskEvent e) {
                    if (e.getKind() == TaskEvent.Kind.ANNOTATION_PROCESSING) {
                        times[1] += System.nanoTime() - started[0];
                    } else if (e.getKind() == TaskEvent.Kind.ANNOTATION_PROCESSING_ROUND) {
                        times[2] += System.nanoTime() - started[1];
                    }
                }
            });
            long start = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            boolean ok = task.call();
            times[0] = System.nanoTime() - start;
            times[3] = THREADS.getCurrentThreadCpuTime() - cpu;
            if (!ok) {
                throw new IllegalStateException("compilation failed:\n" + errors);
            }
            return times;
        }
    }

    /** Per round, (processor − plain) / (baseline − plain) of one measure: "median (min–max)". */
    private static String paired(List<List<long[]>> runs, int index) {
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < runs.get(0).size(); r++) {
            long plain = runs.get(0).get(r)[index];
            ratios.add((double) (runs.get(2).get(r)[index] - plain) / (runs.get(1).get(r)[index] - plain));
        }
        ratios.sort(null);
        int n = ratios.size();
        double median = n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
        return String.format(Locale.ROOT, "%.3f (%.2f–%.2f)", median, ratios.get(0), ratios.get(n - 1));
    }

    private static double median(List<long[]> runs, int index) {
        List<Long> values = new ArrayList<>();
        runs.forEach(times -> values.add(times[index]));
        return median(values);
    }

    private static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    private static List<Path> write(Path src, int classes) {
        Path pkg = src.resolve("bench/gen");
        List<Path> paths = new ArrayList<>();
        try {
            Files.createDirectories(pkg);
            for (int i = 0; i < classes; i++) {
                Path file = pkg.resolve("Model" + i + ".java");
                Files.writeString(file, source(i));
                paths.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return paths;
    }

    private static String source(int i) {
        String weighting = switch (i % 5) {
            case 0 -> "@WeightedLoss(weighting = Weighting.TRAINABLE, initial = 0.5)";
            case 1 -> "@WeightedLoss(weighting = Weighting.FIXED, weights = {0.3, 0.7})";
            case 2 -> "@WeightedLoss(weighting = Weighting.UNCERTAINTY)";
            case 3 -> "@WeightedLoss(weighting = Weighting.DWA, temperature = 2.0)";
            default -> i % 2 == 1 ? "@WeightedLoss(weighting = Weighting.GRADNORM, asymmetry = 1.5)"
                    : "@WeightedLoss(weighting = Weighting.RLW)";
        };
        int units = 2 + i % 7;
        String body = i % 2 == 0
                ? """
                    @Input(shape = {5, 5, 2})
                    abstract SDVariable image();

                    @Branch(shape = {3, 3, 1})
                    @BranchLoss(Loss.BINARY_CROSSENTROPY)
                    SDVariable localization(Layers nn) {
                        return nn.conv2d(image(), 1, 3, Activation.SIGMOID);
                    }

                    @Branch(shape = {%d})
                    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
                    SDVariable classification(Layers nn) {
                        return nn.dense(nn.flatten(image()), %d, Activation.IDENTITY);
                    }
                """.formatted(units, units)
                : """
                    @Input(shape = {4})
                    abstract SDVariable first();

                    @Input(shape = {%d})
                    abstract SDVariable second();

                    @Shared
                    SDVariable trunk(Layers nn) {
                        return nn.dense(first(), 8, Activation.RELU);
                    }

                    @Branch(shape = {1})
                    @BranchLoss(Loss.MEAN_SQUARED_ERROR)
                    SDVariable x1(Layers nn) {
                        return nn.dense(trunk(nn), 1, Activation.IDENTITY);
                    }

                    @Branch(shape = {%d})
                    @BranchLoss(Loss.CATEGORICAL_CROSSENTROPY)
                    SDVariable x2(Layers nn) {
                        return nn.dense(nn.sameDiff().concat(1, trunk(nn), second()), %d, Activation.SOFTMAX);
                    }
                """.formatted(units, units, units);
        return """
                package bench.gen;

                import io.github.branchwise.annotations.Branch;
                import io.github.branchwise.annotations.BranchLoss;
                import io.github.branchwise.annotations.Input;
                import io.github.branchwise.annotations.Loss;
                import io.github.branchwise.annotations.Shared;
                import io.github.branchwise.annotations.WeightedLoss;
                import io.github.branchwise.annotations.Weighting;
                import io.github.branchwise.runtime.Activation;
                import io.github.branchwise.runtime.Layers;
                import org.nd4j.autodiff.samediff.SDVariable;

                %s
                public abstract class Model%d {
                %s}
                """.formatted(weighting, i, body);
    }
}

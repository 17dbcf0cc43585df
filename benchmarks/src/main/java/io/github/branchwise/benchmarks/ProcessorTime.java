package io.github.branchwise.benchmarks;

import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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
 * JVM with {@code javax.tools}, alternately without the processor ({@code -proc:none}) and with it, several rounds
 * (the first of each discarded: javac warming up). Prints the median wall time of both compilations, their
 * difference per class (processing plus compiling the generated sources), and the time javac reports inside
 * annotation processing per class (processor alone), as Markdown.
 *
 * <pre>java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.ProcessorTime [classes] [rounds]</pre>
 * The classpath must hold branchwise-processor (the benchmarks module depends on it).
 */
public final class ProcessorTime {
    private ProcessorTime() {
    }

    public static void main(String[] args) throws IOException {
        int classes = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("branchwise-processor-time");
        try {
            List<Path> sources = write(dir.resolve("src"), classes);
            List<Long> without = new ArrayList<>();
            List<Long> with = new ArrayList<>();
            List<Long> processing = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                long[] plain = compile(sources, dir.resolve("plain" + round), false);
                long[] processed = compile(sources, dir.resolve("processed" + round), true);
                if (round > 0) {
                    without.add(plain[0]);
                    with.add(processed[0]);
                    processing.add(processed[1]);
                }
            }
            double w = median(without) / 1e6;
            double p = median(with) / 1e6;
            double inside = median(processing) / 1e6;
            System.out.println("#### Annotation processor time (" + classes + " model classes, median of "
                    + (rounds - 1) + " compilations after one warm-up, javac in-process)\n");
            System.out.println("| compile without processor | with processor | difference per class "
                    + "| inside annotation processing per class |");
            System.out.println("|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| %.0f ms | %.0f ms | %.1f ms | %.1f ms |%n", w, p, (p - w) / classes,
                    inside / classes);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** {wall nanos, nanos inside annotation processing}. */
    private static long[] compile(List<Path> sources, Path out, boolean processor) throws IOException {
        Files.createDirectories(out.resolve("classes"));
        Files.createDirectories(out.resolve("generated"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            List<String> options = new ArrayList<>(Arrays.asList("-classpath", System.getProperty("java.class.path"),
                    "-d", out.resolve("classes").toString(), "-s", out.resolve("generated").toString(),
                    "--release", "17", "-nowarn"));
            if (processor) {
                options.addAll(List.of("-processorpath", System.getProperty("java.class.path"),
                        "-processor", "io.github.branchwise.processor.BranchwiseProcessor"));
            } else {
                options.add("-proc:none");
            }
            JavacTask task = (JavacTask) javac.getTask(errors, files, null, options, null, units);
            long[] processing = new long[2];
            task.addTaskListener(new TaskListener() {
                @Override
                public void started(TaskEvent e) {
                    if (e.getKind() == TaskEvent.Kind.ANNOTATION_PROCESSING) {
                        processing[0] = System.nanoTime();
                    }
                }

                @Override
                public void finished(TaskEvent e) {
                    if (e.getKind() == TaskEvent.Kind.ANNOTATION_PROCESSING) {
                        processing[1] += System.nanoTime() - processing[0];
                    }
                }
            });
            long start = System.nanoTime();
            boolean ok = task.call();
            long wall = System.nanoTime() - start;
            if (!ok) {
                throw new IllegalStateException("compilation failed:\n" + errors);
            }
            return new long[] {wall, processing[1]};
        }
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

package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Peak resident memory of one training run: ND4J initialised (baseline), then {@code steps} SGD steps and 20
 * predictions of one workload, then {@code VmHWM} from {@code /proc/self/status} (Linux), printed as one Markdown
 * table row. Peak RSS is per process: run one JVM per workload and executor (run-comparison.sh does).
 *
 * <pre>java -Xmx2g -cp ... io.github.branchwise.benchmarks.PeakRss SEED_7 COMPILED [steps]</pre>
 */
public final class PeakRss {
    private PeakRss() {
    }

    public static void main(String[] args) throws IOException {
        Workloads.Workload workload = Workloads.Workload.valueOf(args[0]);
        ExecutorKind executor = ExecutorKind.valueOf(args[1]);
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Nd4j.create(1);
        long baseline = kilobytes("VmHWM");
        INDArray[][] data = workload.data(1);
        Trainer trainer = Trainer.create(workload.spec(Weighting.FIXED),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(executor).build());
        for (int i = 0; i < steps; i++) {
            trainer.fit(data[0], data[1]);
        }
        for (int i = 0; i < 20; i++) {
            trainer.predictor().predict(data[0]);
        }
        long peak = kilobytes("VmHWM");
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f |%n", workload.name().toLowerCase(),
                executor.name().toLowerCase(), steps, baseline / 1024.0, peak / 1024.0, (peak - baseline) / 1024.0,
                (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
    }

    /** A {@code kB} field of {@code /proc/self/status}, or -1 where there is none. */
    static long kilobytes(String field) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}

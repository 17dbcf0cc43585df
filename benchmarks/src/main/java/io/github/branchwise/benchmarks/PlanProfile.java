package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Where a compiled training step's time goes: for each workload named on the command line (default: all), a few
 * SGD steps, then every op of the compiled plan timed on its own ({@code Trainer.profileLastStep}), slowest first,
 * and the median of whole {@code fit} calls for comparison.
 *
 * <pre>java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.PlanProfile SEED_1024 [FIXED|TRAINABLE] [top-n]</pre>
 */
public final class PlanProfile {
    private PlanProfile() {
    }

    public static void main(String[] args) {
        List<Workloads.Workload> workloads = args.length > 0 ? List.of(Workloads.Workload.valueOf(args[0]))
                : List.of(Workloads.Workload.values());
        Weighting weighting = args.length > 1 ? Weighting.valueOf(args[1]) : Weighting.FIXED;
        int top = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        for (Workloads.Workload workload : workloads) {
            INDArray[][] data = workload.data(1);
            Trainer trainer = Trainer.create(workload.spec(weighting),
                    TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).build());
            int steps = workload == Workloads.Workload.CNN_64 ? 20 : 200;
            long[] times = new long[steps];
            for (int i = 0; i < steps; i++) {
                long start = System.nanoTime();
                trainer.fit(data[0], data[1]);
                times[i] = System.nanoTime() - start;
            }
            java.util.Arrays.sort(times, steps / 2, steps);
            List<String> ops = trainer.profileLastStep(workload == Workloads.Workload.CNN_64 ? 5 : 50);
            double sum = 0;
            for (String line : ops) {
                sum += Double.parseDouble(line.trim().split(" ")[0]);
            }
            System.out.printf("== %s %s: fit median %.3f ms (second half of %d steps); plan %d ops, %.3f ms summed%n",
                    workload, weighting, times[steps / 2 + steps / 4] / 1e6, steps, ops.size(), sum / 1e3);
            ops.stream().limit(top).forEach(line -> System.out.println("   " + line));
        }
    }
}

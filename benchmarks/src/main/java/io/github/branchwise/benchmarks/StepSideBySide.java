package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A quick look without JMH, for a noisy machine: the compiled trainer's step and the hand-written one alternately in
 * one process (same load for both), median ms of each after a warm-up, per workload and strategy. Not a substitute
 * for {@code TrainingStepBenchmark}; it shows which of the two is ahead when absolute numbers cannot be trusted.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.StepSideBySide [workloads|all] [strategies|all] [steps]
 * </pre>
 */
public final class StepSideBySide {
    private StepSideBySide() {
    }

    public static void main(String[] args) {
        List<Workloads.Workload> workloads = args.length > 0 && !args[0].equals("all")
                ? Arrays.stream(args[0].split(",")).map(Workloads.Workload::valueOf).toList() : HandWrittenCheck.WORKLOADS;
        List<Weighting> strategies = args.length > 1 && !args[1].equals("all")
                ? Arrays.stream(args[1].split(",")).map(Weighting::valueOf).toList() : HandWrittenCheck.STRATEGIES;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        System.out.println("| workload | strategy | compiled ms | hand-written ms | compiled / hand-written |");
        System.out.println("|---|---|---|---|---|");
        for (Workloads.Workload workload : workloads) {
            int n = workload == Workloads.Workload.CNN_64 ? Math.max(10, steps / 10) : steps;
            for (Weighting strategy : strategies) {
                if (workload.excluded(strategy) != null) {
                    continue;
                }
                INDArray[][] data = workload.data(1);
                Trainer trainer = Trainer.create(workload.spec(strategy),
                        TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(ExecutorKind.COMPILED).build());
                HandWritten hand = HandWritten.create(workload, strategy, trainer.parameterValues(), 0.01, 1);
                long[] compiled = new long[n];
                long[] byHand = new long[n];
                for (int i = -n / 2; i < n; i++) {
                    long t0 = System.nanoTime();
                    trainer.fit(data[0], data[1]);
                    long t1 = System.nanoTime();
                    hand.step(data[0], data[1]);
                    long t2 = System.nanoTime();
                    if (i >= 0) {
                        compiled[i] = t1 - t0;
                        byHand[i] = t2 - t1;
                    }
                    if ((i + n) % 50 == 49) {
                        trainer.endEpoch();
                        hand.endEpoch();
                    }
                }
                double c = median(compiled);
                double h = median(byHand);
                System.out.printf("| %s | %s | %.3f | %.3f | %.2f |%n", workload.name().toLowerCase(),
                        strategy.name().toLowerCase(), c, h, c / h);
            }
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}

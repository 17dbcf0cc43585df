package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Issue 16's bar, "each gradient-level strategy's step at most its K passes plus 10 %", measured so that the load of
 * a shared machine cancels: for each strategy one JVM holds two trainers of the same model and data, the strategy's
 * and {@link KPassesFloor}'s (with as many gradient samples as the strategy takes), and alternates their steps,
 * which one goes first switching every step. Separate JMH forks run minutes apart and a second run of
 * {@link StrategyCostBenchmark} disagreed with the first by up to 40 %; here each strategy step has a floor step
 * beside it under the same load. Prints, per strategy, the medians of both (wall clock and the training thread's CPU
 * time: with {@code OMP_NUM_THREADS=1} every native op runs on that thread) and the median and quartiles of the
 * paired ratios strategy step / floor step.
 *
 * <pre>
 * OMP_NUM_THREADS=1 taskset -c 1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.StrategyVsPasses MLP_256 PCGRAD,MGDA,... [steps] [warm-up] [learning rate] [block]
 * </pre>
 */
public final class StrategyVsPasses {
    private StrategyVsPasses() {
    }

    public static void main(String[] args) {
        Workloads.Workload workload = Workloads.Workload.valueOf(args[0]);
        List<Weighting> strategies = Arrays.stream(args[1].split(",")).map(Weighting::valueOf).toList();
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 150;
        // The step's cost does not depend on it; a strategy that diverges at 0.01 on this model (MoDo) runs at less.
        double learningRate = args.length > 4 ? Double.parseDouble(args[4]) : 0.01;
        // Steps per side before switching: 1 alternates every step; more keeps each trainer's data in the caches
        // for a while, as a single training run has it.
        int block = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        INDArray[][] data = workload.data(1);
        System.out.printf("%s: %d measured steps a side after %d warm-up, blocks of %d, SGD %s, load %s%n", workload,
                steps, warmUp, block, learningRate, loadAverage());
        System.out.printf("%-12s %9s %9s %8s %8s %8s %8s %8s %8s%n", "strategy", "wall_ms", "floor_ms", "ratio",
                "q1", "q3", "cpu_ms", "cpu_fl", "cpu_rat");
        for (Weighting strategy : strategies) {
            WeightingSpec spec = Workloads.weighting(strategy, data[1].length);
            int samples = spec.newWeighter(workload.spec(spec).branches()).gradientSamples();
            Trainer measured = trainer(workload, spec, learningRate);
            Trainer floor = trainer(workload, WeightingSpec.custom(() -> new KPassesFloor(samples)), learningRate);
            // With blocks of b > 1 steps per side, the first step of each block (the one after the other trainer
            // ran: its caches cold) is not recorded, and each round's ratio is of the two blocks' medians.
            int recorded = block == 1 ? 1 : block - 1;
            int rounds = Math.max(1, steps / recorded);
            int warmUpRounds = Math.max(1, warmUp / block);
            long[][] wall = new long[2][rounds * recorded];
            long[][] cpu = new long[2][rounds * recorded];
            double[] pairs = new double[rounds];
            long[] stepCount = new long[2];
            for (int round = -warmUpRounds; round < rounds; round++) {
                boolean measuredFirst = (round & 1) == 0;
                double[] blockMedian = new double[2];
                for (int side = 0; side < 2; side++) {
                    int which = measuredFirst ? side : 1 - side;
                    Trainer trainer = which == 0 ? measured : floor;
                    long[] times = new long[recorded];
                    for (int b = 0; b < block; b++) {
                        long c0 = threads.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        trainer.fit(data[0], data[1]);
                        long t1 = System.nanoTime();
                        long c1 = threads.getCurrentThreadCpuTime();
                        // An epoch every 50 steps, as in StrategyCostBenchmark (DWA-like bookkeeping is in the cost).
                        if (++stepCount[which] % 50 == 0) {
                            trainer.endEpoch();
                        }
                        int slot = block == 1 ? 0 : b - 1;
                        if (round >= 0 && slot >= 0) {
                            wall[which][round * recorded + slot] = t1 - t0;
                            cpu[which][round * recorded + slot] = c1 - c0;
                            times[slot] = t1 - t0;
                        }
                    }
                    blockMedian[which] = median(times);
                }
                if (round >= 0) {
                    pairs[round] = blockMedian[0] / blockMedian[1];
                }
            }
            Arrays.sort(pairs);
            double wallMedian = median(wall[0]);
            double floorMedian = median(wall[1]);
            double cpuMedian = median(cpu[0]);
            double cpuFloor = median(cpu[1]);
            System.out.printf("%-12s %9.3f %9.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f%n", strategy.name().toLowerCase(),
                    wallMedian, floorMedian, pairs[rounds / 2], pairs[rounds / 4], pairs[3 * rounds / 4], cpuMedian,
                    cpuFloor, cpuMedian / cpuFloor);
        }
        System.out.printf("load after: %s%n", loadAverage());
    }

    private static Trainer trainer(Workloads.Workload workload, WeightingSpec weighting, double learningRate) {
        return Trainer.create(workload.spec(weighting), TrainingOptions.builder().seed(1)
                .updater(new Sgd(learningRate)).executor(ExecutorKind.COMPILED).build());
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(java.nio.file.Files.readString(
                    java.nio.file.Path.of("/proc/loadavg")).split(" "), 3));
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}

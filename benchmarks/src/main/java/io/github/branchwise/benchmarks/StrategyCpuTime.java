package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@link StrategyCostBenchmark}'s steps timed by the CPU time of the training thread as well as by the wall clock.
 * On a shared 2-core machine at load 9–13 the wall-clock medians of JMH were dominated by waiting for a core (a
 * 2 ms step preempted for a whole time slice); with {@code OMP_NUM_THREADS=1} every native op of a step runs on the
 * calling thread, so its CPU time is the step's cost without the waiting. Same models, data, settings and executor
 * as the JMH benchmark; an epoch ends every 50 steps.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java -cp ... io.github.branchwise.benchmarks.StrategyCpuTime LABEL MLP_256,TRUNK_64 \
 *     FIXED,GRADNORM,PCGRAD,MGDA
 * </pre>
 *
 * prints one line per workload and strategy: median wall ms, median CPU ms, and the CPU median's ratio to the
 * first strategy's (list FIXED first).
 */
public final class StrategyCpuTime {
    private StrategyCpuTime() {
    }

    public static void main(String[] args) {
        String label = args[0];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (String name : args[1].split(",")) {
            Workloads.Workload workload = Workloads.Workload.valueOf(name);
            // About 5 s of warm-up (JIT) and as many measured steps on either model.
            int steps = workload == Workloads.Workload.MLP_256 ? 100 : 2000;
            double reference = Double.NaN;
            for (String strategyName : args[2].split(",")) {
                Weighting strategy = Weighting.valueOf(strategyName);
                INDArray[][] data = workload.data(1);
                Trainer trainer = Trainer.create(
                        workload.spec(Workloads.weighting(strategy, data[1].length)),
                        TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(ExecutorKind.COMPILED)
                                .build());
                for (int i = 0; i < steps; i++) {
                    trainer.fit(data[0], data[1]);
                }
                double[] wall = new double[steps];
                double[] cpu = new double[steps];
                for (int i = 0; i < steps; i++) {
                    long cpuStart = threads.getCurrentThreadCpuTime();
                    long wallStart = System.nanoTime();
                    trainer.fit(data[0], data[1]);
                    wall[i] = (System.nanoTime() - wallStart) / 1e6;
                    cpu[i] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
                    if ((i + 1) % 50 == 0) {
                        trainer.endEpoch();
                    }
                }
                Arrays.sort(wall);
                Arrays.sort(cpu);
                double median = cpu[steps / 2];
                if (Double.isNaN(reference)) {
                    reference = median;
                }
                System.out.printf("%s %s %s wall_median_ms %.3f cpu_median_ms %.3f cpu_ratio %.2f%n", label, name,
                        strategyName, wall[steps / 2], median, median / reference);
            }
        }
    }
}

package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each weighting strategy costs per SGD step on a model with a shared trunk: the same model, data and
 * executor under every {@link Weighting} the runtime implements ({@code ratios.py} prints each as a ratio to
 * {@code FIXED}). GradNorm, PCGrad and MGDA need every branch's own gradient (one forward-backward pass per branch,
 * shared among them); the others one pass. Every {@link #epochEvery} steps an epoch ends, so DWA's epoch-mean
 * bookkeeping and weight update are in the cost too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
public class StrategyCostBenchmark {
    /** The model: TRUNK_64 (small, dispatch-bound) or MLP_256 (GEMM-bound). */
    @Param({"TRUNK_64", "MLP_256"})
    public Workloads.Workload workload;

    /**
     * The weighting strategy; {@code CUSTOM} is {@link KPassesFloor}, the K passes every gradient-level strategy
     * pays, against which {@code ratios.py} measures their own cost.
     */
    @Param({"FIXED", "TRAINABLE", "SCHEDULED", "UNCERTAINTY", "DWA", "RLW", "GLS", "GRADNORM", "PCGRAD", "MGDA",
            "CAGRAD", "STCH", "FAMO", "IMTL", "ALIGNED_MTL", "GRADVAC", "SDMGRAD", "MODO", "UPGRAD", "NASH_MTL",
            "FAIRGRAD", "GRADDROP", "DB_MTL", "MOCO", "EXCESS_MTL", "CUSTOM"})
    public Weighting strategy;

    /** The executor. */
    @Param({"COMPILED"})
    public ExecutorKind executor;

    /** Steps per epoch. */
    @Param({"50"})
    public int epochEvery;

    private Trainer trainer;
    private INDArray[] inputs;
    private INDArray[] targets;
    private int steps;

    @Setup(Level.Trial)
    public void setUp() {
        INDArray[][] data = workload.data(1);
        inputs = data[0];
        targets = data[1];
        int branches = targets.length;
        trainer = Trainer.create(workload.spec(Workloads.weighting(strategy, branches)),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(executor).build());
    }

    @Benchmark
    public double step() {
        double total = trainer.fit(inputs, targets).total();
        if (++steps % epochEvery == 0) {
            trainer.endEpoch();
        }
        return total;
    }
}

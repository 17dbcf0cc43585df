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
 * One SGD step (lr 0.01) of each peer workload under every weighting strategy: the generated model's trainer with
 * the compiled executor or SameDiff's sessions, and the same model written by hand on ND4J ({@link HandWritten},
 * whose parameters must equal the generated model's after 1 and 3 steps before it is timed). Every
 * {@link #epochEvery} steps an epoch ends. Sample time: the script reads the median.
 * Thread count: set {@code OMP_NUM_THREADS} for the JMH process (its forks inherit it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class TrainingStepBenchmark {
    /** The workload. */
    @Param({"SEED_7", "SEED_1024", "MLP_256", "CNN_64"})
    public Workloads.Workload workload;

    /**
     * The weighting strategy, settings as {@link Workloads#weighting} (CUSTOM needs a user class: not benchmarked).
     * Cells that {@link Workloads.Workload#excluded} names (GRADNORM on the seed model) fail their setup with the
     * reason; {@code run-comparison.sh} does not request them.
     */
    @Param({"FIXED", "TRAINABLE", "SCHEDULED", "UNCERTAINTY", "DWA", "RLW", "GLS", "GRADNORM", "PCGRAD", "MGDA"})
    public Weighting weighting;

    /** COMPILED and SAMEDIFF: the generated model's trainer with that executor; HANDWRITTEN: {@link HandWritten}. */
    @Param({"COMPILED", "SAMEDIFF", "HANDWRITTEN"})
    public String implementation;

    /**
     * Plan rewrites to switch off ({@code branchwise.plan.disable}: {@code none}, or e.g. {@code conv2d_bp},
     * {@code fused_loss,sgd}, {@code all}), to measure a rewrite against the op SameDiff emitted in the same run.
     * Each parameter combination runs in its own fork, so the property is set before the runtime reads it.
     */
    @Param({"none"})
    public String disable;

    /** Steps per epoch: every this many steps an epoch ends, so DWA's epoch bookkeeping is in the cost. */
    @Param({"50"})
    public int epochEvery;

    private Trainer trainer;
    private HandWritten hand;
    private INDArray[] inputs;
    private INDArray[] targets;
    private int steps;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("branchwise.plan.disable", disable);
        String why = workload.excluded(weighting);
        if (why != null) {
            throw new IllegalArgumentException(workload + " " + weighting + " is excluded: " + why);
        }
        INDArray[][] data = workload.data(1);
        inputs = data[0];
        targets = data[1];
        ExecutorKind kind = implementation.equals("SAMEDIFF") ? ExecutorKind.SAMEDIFF : ExecutorKind.COMPILED;
        trainer = Trainer.create(workload.spec(weighting),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(kind).build());
        if (implementation.equals("HANDWRITTEN")) {
            // The same maths: after 1 and 3 steps the hand-written parameters equal the generated model's (throws).
            HandWrittenCheck.Result check = HandWrittenCheck.check(workload, weighting, ExecutorKind.COMPILED, 3);
            System.out.println(workload + " " + weighting + ": hand-written parameters agree with the generated "
                    + "model's within " + Math.max(check.parameterError1(), check.parameterError())
                    + " of their scale after 1 and 3 steps");
            hand = HandWritten.create(workload, weighting, trainer.parameterValues(), 0.01, 1);
            trainer = null;
        }
    }

    @Benchmark
    public double step() {
        double total;
        if (hand != null) {
            total = hand.step(inputs, targets)[0];
            if (++steps % epochEvery == 0) {
                hand.endEpoch();
            }
            return total;
        }
        total = trainer.fit(inputs, targets).total();
        if (++steps % epochEvery == 0) {
            trainer.endEpoch();
        }
        return total;
    }
}

package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.engine.StepResult;
import io.github.branchwise.runtime.engine.Trainer;
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
 * One SGD step (lr 0.01) of each peer workload: the generated model's trainer with the compiled executor or
 * SameDiff's sessions, and the same model written by hand on ND4J. Sample time: the script reads the median.
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

    /** The weighting. */
    @Param({"FIXED", "TRAINABLE"})
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

    private Trainer trainer;
    private HandWritten hand;
    private INDArray[] inputs;
    private INDArray[] targets;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("branchwise.plan.disable", disable);
        INDArray[][] data = workload.data(1);
        inputs = data[0];
        targets = data[1];
        ExecutorKind kind = implementation.equals("SAMEDIFF") ? ExecutorKind.SAMEDIFF : ExecutorKind.COMPILED;
        trainer = Trainer.create(workload.spec(weighting),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(kind).build());
        if (implementation.equals("HANDWRITTEN")) {
            hand = HandWritten.create(workload, weighting, trainer.parameterValues(), 0.01);
            // The same maths: the first step's losses agree with the generated model's.
            double[] byHand = hand.step(inputs, targets);
            StepResult generated = trainer.fit(inputs, targets);
            for (int i = 0; i < 3; i++) {
                double expected = i == 0 ? generated.total() : generated.branchLoss(i - 1);
                if (Math.abs(byHand[i] - expected) > 1e-4 * Math.max(1, Math.abs(expected))) {
                    throw new IllegalStateException(workload + " " + weighting + ": hand-written loss " + i + " is "
                            + byHand[i] + ", the generated model's " + expected);
                }
            }
            trainer = null;
        }
    }

    @Benchmark
    public double step() {
        if (hand != null) {
            return hand.step(inputs, targets)[0];
        }
        return trainer.fit(inputs, targets).total();
    }
}

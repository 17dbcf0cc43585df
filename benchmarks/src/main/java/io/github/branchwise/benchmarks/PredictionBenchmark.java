package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.training.Trainer;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * Prediction throughput: batches per second of the prediction model (checks, forward pass, detached outputs) for
 * each workload, compiled executor against SameDiff's sessions against the hand-written forward pass.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class PredictionBenchmark {
    /** The workload. */
    @Param({"SEED_7", "SEED_1024", "MLP_256", "CNN_64"})
    public Workloads.Workload workload;

    /** COMPILED, SAMEDIFF or HANDWRITTEN. */
    @Param({"COMPILED", "SAMEDIFF", "HANDWRITTEN"})
    public String implementation;

    /**
     * Plan rewrites to switch off ({@code branchwise.plan.disable}: {@code none}, or e.g. {@code conv2d_forward}),
     * to measure a rewrite against the op SameDiff emitted in the same run (one fork per value).
     */
    @Param({"none"})
    public String disable;

    private Predictor predictor;
    private HandWritten hand;
    private INDArray[] inputs;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("branchwise.plan.disable", disable);
        inputs = workload.data(1)[0];
        ExecutorKind kind = implementation.equals("SAMEDIFF") ? ExecutorKind.SAMEDIFF : ExecutorKind.COMPILED;
        Trainer trainer = Trainer.create(workload.spec(Weighting.FIXED),
                TrainingOptions.builder().seed(1).executor(kind).build());
        predictor = trainer.predictor();
        if (implementation.equals("HANDWRITTEN")) {
            hand = HandWritten.create(workload, Weighting.FIXED, trainer.parameterValues(), 0.01, 1);
        }
    }

    @Benchmark
    public Object predict() {
        if (hand != null) {
            return hand.predict(inputs);
        }
        return predictor.predict(inputs);
    }
}

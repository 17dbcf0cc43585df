package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Checks that {@link HandWritten} does the generated model's maths in one cell (workload × weighting strategy): both
 * start from the same parameters and take the same SGD steps (lr 0.01) on the benchmark batch, an epoch ending after
 * every step (so DWA's epoch-ratio weights are used from the third step on); after step 1 and after the last step
 * every parameter, the weighting's included, must agree within {@link #TOLERANCE} of the array's largest magnitude.
 * It also measures how far the two updates ({@code parameter − start}) differ, relative to the largest update, and
 * the branch losses and weights. {@code HandWrittenCheckTest} runs it for every cell; {@link TrainingStepBenchmark}
 * runs it before timing a hand-written cell, so a reference that drifted from the generated model is never timed.
 */
public final class HandWrittenCheck {
    /** Parameters agree within this fraction of the array's largest magnitude. */
    static final double TOLERANCE = 1e-4;
    /** The four workloads of TrainingStepBenchmark. */
    static final List<Workloads.Workload> WORKLOADS = List.of(Workloads.Workload.SEED_7, Workloads.Workload.SEED_1024,
            Workloads.Workload.MLP_256, Workloads.Workload.CNN_64);
    /** Every strategy but CUSTOM. */
    static final List<Weighting> STRATEGIES = List.of(Weighting.FIXED, Weighting.TRAINABLE, Weighting.SCHEDULED,
            Weighting.UNCERTAINTY, Weighting.DWA, Weighting.RLW, Weighting.GLS, Weighting.GRADNORM, Weighting.PCGRAD,
            Weighting.MGDA);

    private HandWrittenCheck() {
    }

    /**
     * The outcome of one cell: the largest parameter error (relative to the array's largest magnitude) and update
     * error (relative to the largest update) after step 1 and after the last step, the largest relative loss error
     * over all steps, the array with the largest parameter error, and both implementations' final branch weights.
     */
    record Result(double parameterError1, double parameterError, double updateError1, double updateError,
                  double lossError, String worst, double[] handWeights, double[] generatedWeights) {
        /** Whether the parameters agree within {@link HandWrittenCheck#TOLERANCE} after step 1 and at the end. */
        boolean passed() {
            return parameterError1 <= TOLERANCE && parameterError <= TOLERANCE;
        }

        /** The errors in one line, for messages and logs. */
        String describe(ExecutorKind executor) {
            return String.format(Locale.ROOT, "hand-written against generated (%s): parameter error %.1e after step 1, "
                    + "%.1e at the end (tolerance %.0e, worst %s); update error %.1e, %.1e; loss error %.1e; "
                    + "weights %s by hand, %s generated", executor, parameterError1, parameterError, TOLERANCE, worst,
                    updateError1, updateError, lossError, format(handWeights), format(generatedWeights));
        }

        private static String format(double[] weights) {
            return Arrays.stream(weights).mapToObj(w -> String.format(Locale.ROOT, "%.6f", w))
                    .collect(Collectors.joining(" ", "[", "]"));
        }
    }

    /**
     * Runs one cell for {@code steps} steps (at least 1) against a new trainer with {@code executor}; throws
     * {@link IllegalStateException} naming the worst parameter when they disagree.
     */
    static Result check(Workloads.Workload workload, Weighting strategy, ExecutorKind executor, int steps) {
        Result result = run(workload, strategy, executor, steps);
        if (!result.passed()) {
            throw new IllegalStateException(workload + " " + strategy + ": " + result.describe(executor));
        }
        return result;
    }

    /** Runs one cell for {@code steps} steps (at least 1) against a new trainer with {@code executor}. */
    static Result run(Workloads.Workload workload, Weighting strategy, ExecutorKind executor, int steps) {
        INDArray[][] data = workload.data(1);
        INDArray[] inputs = data[0];
        INDArray[] targets = data[1];
        Trainer trainer = Trainer.create(workload.spec(strategy),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(executor).build());
        Map<String, INDArray> start = trainer.parameterValues();
        HandWritten hand = HandWritten.create(workload, strategy, start, 0.01, 1);
        Errors first = null;
        Errors last = null;
        double lossError = 0;
        for (int step = 1; step <= steps; step++) {
            double[] byHand = hand.step(inputs, targets);
            Losses generated = trainer.fit(inputs, targets);
            for (int i = 0; i < byHand.length; i++) {
                double expected = i == 0 ? generated.total() : generated.branchLoss(i - 1);
                lossError = Math.max(lossError, Math.abs(byHand[i] - expected) / Math.max(1e-12, Math.abs(expected)));
            }
            hand.endEpoch();
            trainer.endEpoch();
            if (step == 1 || step == steps) {
                last = compare(start, hand.parameterValues(), trainer.parameterValues());
                first = step == 1 ? last : first;
            }
        }
        return new Result(first.parameter(), last.parameter(), first.update(), last.update(), lossError,
                last.worst(), hand.weights(), trainer.weights());
    }

    /** The largest parameter error (over the array's scale) and update error (over the update's), and where. */
    private record Errors(double parameter, double update, String worst) {
    }

    private static Errors compare(Map<String, INDArray> start, Map<String, INDArray> hand,
                                    Map<String, INDArray> generated) {
        if (!hand.keySet().equals(generated.keySet())) {
            throw new IllegalStateException("parameter names differ: hand-written " + hand.keySet() + ", generated "
                    + generated.keySet());
        }
        double parameterError = 0;
        double updateError = 0;
        String worst = "";
        for (String name : generated.keySet()) {
            double[] a = hand.get(name).castTo(DataType.DOUBLE).data().asDouble();
            double[] b = generated.get(name).castTo(DataType.DOUBLE).data().asDouble();
            double[] s = start.get(name).castTo(DataType.DOUBLE).data().asDouble();
            if (a.length != b.length) {
                throw new IllegalStateException(name + ": " + a.length + " values by hand, " + b.length + " generated");
            }
            double scale = 0;
            double updateScale = 0;
            double diff = 0;
            for (int i = 0; i < b.length; i++) {
                scale = Math.max(scale, Math.abs(b[i]));
                updateScale = Math.max(updateScale, Math.abs(b[i] - s[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            double relative = diff / Math.max(scale, 1e-12);
            if (relative >= parameterError) {
                parameterError = relative;
                worst = name;
            }
            if (updateScale > 0) {
                updateError = Math.max(updateError, diff / updateScale);
            } else if (diff > 0) {
                updateError = Double.POSITIVE_INFINITY;
            }
        }
        return new Errors(parameterError, updateError, worst);
    }
}

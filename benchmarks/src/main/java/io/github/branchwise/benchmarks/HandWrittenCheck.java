package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Checks that {@link HandWritten} does the generated model's maths, cell by cell (workload × weighting strategy):
 * both start from the same parameters and take the same SGD steps (lr 0.01) on the benchmark batch, an epoch ending
 * after every step (so DWA's epoch-ratio weights are used from the third step on); after step 1 and after the last
 * step every parameter, the weighting's included, must agree within {@link #TOLERANCE} of the array's largest
 * magnitude, or the check fails. It also prints how far the two updates ({@code parameter − start}) differ,
 * relative to the largest update, and the branch losses and weights. No JMH timing.
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.HandWrittenCheck [workloads|all] [strategies|all] [steps] [COMPILED|SAMEDIFF]
 * </pre>
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

    /** The outcome of one cell. */
    record Result(double parameterError1, double parameterError, double updateError1, double updateError,
                  double lossError, String worst, double[] handWeights, double[] generatedWeights) {
        boolean passed() {
            return parameterError1 <= TOLERANCE && parameterError <= TOLERANCE;
        }
    }

    /**
     * Runs one cell for {@code steps} steps (at least 1) against a new trainer with {@code executor}; throws
     * {@link IllegalStateException} naming the worst parameter when they disagree.
     */
    static Result check(Workloads.Workload workload, Weighting strategy, ExecutorKind executor, int steps) {
        INDArray[][] data = workload.data(1);
        INDArray[] inputs = data[0];
        INDArray[] targets = data[1];
        Trainer trainer = Trainer.create(workload.spec(strategy),
                TrainingOptions.builder().seed(1).updater(new Sgd(0.01)).executor(executor).build());
        Map<String, INDArray> start = trainer.parameterValues();
        HandWritten hand = HandWritten.create(workload, strategy, start, 0.01, 1);
        double[] first = null;
        double lossError = 0;
        String worst = "";
        double[] errors = null;
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
                Object[] compared = compare(start, hand.parameterValues(), trainer.parameterValues());
                errors = (double[]) compared[0];
                if (step == 1) {
                    first = errors;
                }
                worst = (String) compared[1];
            }
        }
        Result result = new Result(first[0], errors[0], first[1], errors[1], lossError, worst, hand.weights(),
                trainer.weights());
        if (!result.passed()) {
            throw new IllegalStateException(workload + " " + strategy + ": the hand-written parameters differ from the "
                    + "generated model's (" + executor + ") by " + Math.max(first[0], errors[0])
                    + " of the array's scale (tolerance " + TOLERANCE + "), worst " + worst);
        }
        return result;
    }

    /** {max parameter error relative to the array's scale, max update error relative to the update's, worst name}. */
    private static Object[] compare(Map<String, INDArray> start, Map<String, INDArray> hand,
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
        return new Object[] {new double[] {parameterError, updateError}, worst};
    }

    public static void main(String[] args) {
        List<Workloads.Workload> workloads = args.length > 0 && !args[0].equals("all")
                ? Arrays.stream(args[0].split(",")).map(Workloads.Workload::valueOf).toList() : WORKLOADS;
        List<Weighting> strategies = args.length > 1 && !args[1].equals("all")
                ? Arrays.stream(args[1].split(",")).map(Weighting::valueOf).toList() : STRATEGIES;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ExecutorKind executor = args.length > 3 ? ExecutorKind.valueOf(args[3]) : ExecutorKind.COMPILED;
        System.out.println("Hand-written against generated (" + executor + "), " + steps + " SGD steps, an epoch per"
                + " step; parameter error = max |hand − generated| / max |generated| per array (tolerance "
                + TOLERANCE + "), update error = the same over max |generated − start|.\n");
        System.out.println("| workload | strategy | parameter error, step 1 | parameter error, step " + steps
                + " | update error, step 1 | update error, step " + steps + " | loss error | worst array "
                + "| weights by hand | weights generated | result |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        List<String> failures = new ArrayList<>();
        for (Workloads.Workload workload : workloads) {
            for (Weighting strategy : strategies) {
                String why = workload.excluded(strategy);
                if (why != null) {
                    System.out.println("| " + workload + " | " + strategy + " | | | | | | | | | excluded: " + why + " |");
                    continue;
                }
                try {
                    Result r = check(workload, strategy, executor, steps);
                    System.out.printf("| %s | %s | %.1e | %.1e | %.1e | %.1e | %.1e | %s | %s | %s | ok |%n", workload,
                            strategy, r.parameterError1(), r.parameterError(), r.updateError1(), r.updateError(),
                            r.lossError(), r.worst(), format(r.handWeights()), format(r.generatedWeights()));
                } catch (RuntimeException e) {
                    failures.add(workload + " " + strategy + ": " + e);
                    System.out.println("| " + workload + " | " + strategy + " | | | | | | | | | FAILED: "
                            + e.getMessage() + " |");
                }
            }
        }
        if (!failures.isEmpty()) {
            System.out.println();
            failures.forEach(System.out::println);
            System.exit(1);
        }
    }

    private static String format(double[] values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.length() == 0 ? "" : " ").append(String.format("%.4f", v));
        }
        return s.toString();
    }
}

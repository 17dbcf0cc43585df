package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * PCGrad and MGDA over several steps whose batch sizes change (so the compiled plan, and the gradient arrays it
 * hands out, change under the trainer's reused per-branch buffers): every step must move the parameters by the
 * strategy's formula applied to that step's own per-branch gradients, worked out here in plain Java from FIXED
 * one-hot twins set to the current parameters.
 */
class BranchGradientStepsTest {
    private static final double LR = 0.05;
    private static final List<String> SHARED = List.of("trunk/dense_0/W", "trunk/dense_0/b");
    private static final INDArray X = TestArrays.gaussian(11, 7, 3);
    private static final INDArray Y_REG = TestArrays.gaussian(12, 7, 1);
    private static final INDArray Y_BIN = TestArrays.uniform(13, 7, 2).gt(0.5).castTo(DataType.DOUBLE);
    private static final int[] BATCHES = {7, 3, 5, 3, 7};

    private static Trainer trainer(WeightingSpec weighting, ExecutorKind executor) {
        return Trainer.create(StrategyTest.trunkModel(weighting), TrainingOptions.builder().seed(5)
                .updater(new Sgd(LR)).dataType(DataType.DOUBLE).executor(executor).build());
    }

    private static INDArray rows(INDArray a, int n) {
        return a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup();
    }

    /** Branch i's own gradient at {@code parameters} on the first {@code n} rows, from a FIXED one-hot twin. */
    private static Map<String, INDArray> branchGradient(int branch, Map<String, INDArray> parameters, int n) {
        Trainer twin = trainer(WeightingSpec.fixed(branch == 0 ? 1 : 0, branch == 0 ? 0 : 1), ExecutorKind.SAMEDIFF);
        twin.setParameterValues(parameters);
        return new SameDiffExecutor(TrainerAccess.network(twin)).forwardBackward(new INDArray[] {rows(X, n)},
                new INDArray[] {rows(Y_REG, n), rows(Y_BIN, n)}).gradients();
    }

    private static double[] flat(Map<String, INDArray> gradients, List<String> names) {
        double[][] parts = names.stream().map(name -> gradients.get(name).dup('c').data().asDouble())
                .toArray(double[][]::new);
        double[] all = new double[java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int offset = 0;
        for (double[] part : parts) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The gradient each parameter should be updated with, flattened, for two branches. */
    private static Map<String, double[]> expected(String strategy, Map<String, INDArray> g1,
                                                  Map<String, INDArray> g2) {
        double[] a = flat(g1, SHARED);
        double[] b = flat(g2, SHARED);
        Map<String, double[]> expected = new java.util.HashMap<>();
        if (strategy.equals("PCGRAD")) {
            // With two branches the visiting order does not matter.
            double ab = dot(a, b);
            double[] shared = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                double pa = ab < 0 ? a[i] - ab / dot(b, b) * b[i] : a[i];
                double pb = ab < 0 ? b[i] - ab / dot(a, a) * a[i] : b[i];
                shared[i] = pa + pb;
            }
            for (String name : g1.keySet()) {
                double[] x = flat(g1, List.of(name));
                double[] y = flat(g2, List.of(name));
                int offset = name.equals(SHARED.get(1)) ? flat(g1, SHARED.subList(0, 1)).length : 0;
                double[] sum = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    sum[i] = SHARED.contains(name) ? shared[offset + i] : x[i] + y[i];
                }
                expected.put(name, sum);
            }
        } else {
            double[] diff = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                diff[i] = a[i] - b[i];
            }
            double alpha = Math.min(1, Math.max(0, -dot(diff, b) / dot(diff, diff)));
            for (String name : g1.keySet()) {
                double[] x = flat(g1, List.of(name));
                double[] y = flat(g2, List.of(name));
                double[] sum = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    sum[i] = alpha * x[i] + (1 - alpha) * y[i];
                }
                expected.put(name, sum);
            }
        }
        return expected;
    }

    @ParameterizedTest
    @CsvSource({"PCGRAD, COMPILED", "MGDA, COMPILED", "PCGRAD, SAMEDIFF", "MGDA, SAMEDIFF"})
    void everyStepUsesItsOwnBranchGradients(String strategy, ExecutorKind executor) {
        WeightingSpec weighting = strategy.equals("PCGRAD") ? WeightingSpec.pcGrad() : WeightingSpec.mgda();
        Trainer trainer = trainer(weighting, executor);
        for (int step = 0; step < BATCHES.length; step++) {
            int n = BATCHES[step];
            Map<String, INDArray> before = trainer.parameterValues();
            Map<String, double[]> gradient = expected(strategy, branchGradient(0, before, n),
                    branchGradient(1, before, n));
            trainer.fit(new INDArray[] {rows(X, n)}, new INDArray[] {rows(Y_REG, n), rows(Y_BIN, n)});
            Map<String, INDArray> after = trainer.parameterValues();
            assertEquals(before.keySet(), gradient.keySet());
            for (Map.Entry<String, double[]> e : gradient.entrySet()) {
                double[] b = before.get(e.getKey()).dup('c').data().asDouble();
                double[] a = after.get(e.getKey()).dup('c').data().asDouble();
                for (int i = 0; i < b.length; i++) {
                    assertEquals(b[i] - LR * e.getValue()[i], a[i], 1e-10,
                            strategy + " step " + step + " " + e.getKey() + "[" + i + "]");
                }
            }
        }
    }
}

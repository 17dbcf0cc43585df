package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.GraphHost;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.strategies.GradNormWeighter;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import io.github.branchwise.runtime.weighting.Weighter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Each weighting strategy against numbers worked out in the test: the formulas of the papers evaluated in plain
 * Java on the branch losses and on per-branch gradients obtained from FIXED one-hot twins of the same model.
 */
class StrategyTest {
    private static final double LR = 0.05;
    private static final INDArray X = Nd4j.createFromArray(new double[][] {
        {0.5, -1.0, 2.0}, {1.5, 0.3, -0.7}, {-0.2, 0.8, 0.1}, {1.0, 1.0, -1.0}});
    private static final INDArray Y_REG = Nd4j.createFromArray(new double[][] {{1.0}, {-2.0}, {0.5}, {3.0}});
    private static final INDArray Y_BIN = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}, {0, 0}});

    /** A shared tanh trunk feeding a linear regression head (MSE) and a sigmoid head (BCE). */
    static ModelSpec trunkModel(WeightingSpec weighting) {
        return ModelSpec.builder("test.Trunk")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .sharedMethods("trunk")
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    // Registered as generated code registers a @Shared method's output: the representation.
                    SDVariable h = scope.sharedOutput("trunk", trunk.dense(scope.input("x"), 4, Activation.TANH));
                    scope.output("reg", scope.layers("reg").dense(h, 1));
                    scope.output("bin", scope.layers("bin").dense(h, 2, Activation.SIGMOID));
                })
                .build();
    }

    private static Trainer trainer(WeightingSpec weighting) {
        return Trainer.create(trunkModel(weighting), TrainingOptions.builder()
                .seed(3).updater(new Sgd(LR)).dataType(DataType.DOUBLE).build());
    }

    private static Losses fit(Trainer trainer) {
        return trainer.fit(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN});
    }

    /** Branch i's own gradient at the initial parameters, from a FIXED one-hot twin (not the strategy's code). */
    private static Map<String, INDArray> branchGradient(int branch) {
        Trainer twin = trainer(WeightingSpec.fixed(branch == 0 ? 1 : 0, branch == 0 ? 0 : 1));
        return new SameDiffExecutor(TrainerAccess.network(twin))
                .forwardBackward(new INDArray[] {X}, new INDArray[] {Y_REG, Y_BIN}).gradients();
    }

    private static double[] flat(Map<String, INDArray> gradients, List<String> names) {
        return Nd4j.concat(0, names.stream().map(n -> gradients.get(n).reshape(-1)).toArray(INDArray[]::new))
                .toDoubleVector();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Asserts that every network parameter moved by -LR times the expected gradient. */
    private static void assertSgdStep(Map<String, INDArray> before, Map<String, INDArray> after,
                                      Map<String, double[]> expectedGradient) {
        for (Map.Entry<String, double[]> e : expectedGradient.entrySet()) {
            double[] b = before.get(e.getKey()).reshape(-1).toDoubleVector();
            double[] a = after.get(e.getKey()).reshape(-1).toDoubleVector();
            for (int i = 0; i < b.length; i++) {
                assertEquals(b[i] - LR * e.getValue()[i], a[i], 1e-10, e.getKey() + "[" + i + "]");
            }
        }
    }

    private static final List<String> SHARED = List.of("trunk/dense_0/W", "trunk/dense_0/b");
    private static final List<String> HEADS = List.of("reg/dense_0/W", "reg/dense_0/b", "bin/dense_0/W",
            "bin/dense_0/b");

    @Test
    void scheduledLinearRampOverSteps() {
        Trainer trainer = trainer(WeightingSpec.scheduled(new double[] {1, 0}, new double[] {0, 1}, Ramp.LINEAR, 4,
                RampUnit.STEP));
        for (int step = 0; step < 6; step++) {
            Losses r = fit(trainer);
            double w2 = Math.min(1.0, step / 4.0);
            assertArrayEquals(new double[] {1 - w2, w2}, trainer.weights(), 1e-12, "step " + step);
            assertEquals((1 - w2) * r.branchLoss(0) + w2 * r.branchLoss(1), r.total(), 1e-12);
        }
    }

    @Test
    void scheduledRampsOverEpochs() {
        Trainer trainer = trainer(WeightingSpec.scheduled(new double[] {2, 0}, new double[] {0, 2}, Ramp.COSINE, 2,
                RampUnit.EPOCH));
        double[] expectedSecond = {0, 1, 2, 2};  // 2·(1 - cos(π·t/2))/2 for t = 0, 1, 2, 3 (capped at t = 2)
        for (int epoch = 0; epoch < 4; epoch++) {
            fit(trainer);
            assertEquals(expectedSecond[epoch], trainer.weights()[1], 1e-12, "epoch " + epoch);
            trainer.endEpoch();
        }
        Trainer step = trainer(WeightingSpec.scheduled(new double[] {1, 1}, new double[] {0, 3}, Ramp.STEP, 2,
                RampUnit.STEP));
        double[][] expected = {{1, 1}, {1, 1}, {0, 3}};
        for (double[] w : expected) {
            fit(step);
            assertArrayEquals(w, step.weights(), 0);
        }
    }

    @Test
    void uncertaintyFirstStepByHand() {
        Trainer trainer = trainer(WeightingSpec.uncertainty());
        Losses r = fit(trainer);
        // s = 0: total = ½·L_reg + 1·L_bin (MSE uses the regression form, BCE the classification form).
        assertEquals(0.5 * r.branchLoss(0) + r.branchLoss(1), r.total(), 1e-12);
        // ∂total/∂sᵢ = -cᵢ·exp(-sᵢ)·Lᵢ + ½, so after one SGD step sᵢ = -LR·(½ - cᵢ·Lᵢ).
        double[] s = trainer.parameterValues().get("weighting/log_variance").toDoubleVector();
        assertEquals(-LR * (0.5 - 0.5 * r.branchLoss(0)), s[0], 1e-12);
        assertEquals(-LR * (0.5 - r.branchLoss(1)), s[1], 1e-12);
        assertArrayEquals(new double[] {0.5 * Math.exp(-s[0]), Math.exp(-s[1])}, trainer.weights(), 1e-12);
    }

    @Test
    void dwaUsesTheRatioOfTheLastTwoEpochMeans() {
        Trainer trainer = trainer(WeightingSpec.dwa(2.0));
        double[][] means = new double[4][];
        for (int epoch = 0; epoch < 4; epoch++) {
            double[] expected;
            if (epoch < 2) {
                expected = new double[] {1, 1};
            } else {
                double w0 = means[epoch - 1][0] / means[epoch - 2][0];
                double w1 = means[epoch - 1][1] / means[epoch - 2][1];
                double e0 = Math.exp(w0 / 2);
                double e1 = Math.exp(w1 / 2);
                expected = new double[] {2 * e0 / (e0 + e1), 2 * e1 / (e0 + e1)};
            }
            assertArrayEquals(expected, trainer.weights(), 1e-12, "weights during epoch " + epoch);
            Losses a = fit(trainer);
            Losses b = fit(trainer);
            assertEquals(expected[0] * b.branchLoss(0) + expected[1] * b.branchLoss(1), b.total(), 1e-12);
            means[epoch] = new double[] {(a.branchLoss(0) + b.branchLoss(0)) / 2,
                (a.branchLoss(1) + b.branchLoss(1)) / 2};
            trainer.endEpoch();
        }
    }

    @Test
    void rlwDrawsSoftmaxWeightsEveryStepReproducibly() {
        Trainer first = trainer(WeightingSpec.rlw());
        Trainer second = trainer(WeightingSpec.rlw());
        double[] previous = null;
        for (int step = 0; step < 5; step++) {
            Losses r = fit(first);
            fit(second);
            double[] w = first.weights();
            assertEquals(1.0, w[0] + w[1], 1e-12);
            assertTrue(w[0] > 0 && w[1] > 0);
            assertEquals(w[0] * r.branchLoss(0) + w[1] * r.branchLoss(1), r.total(), 1e-12);
            assertArrayEquals(w, second.weights(), 0.0, "same seed, same draws");
            if (previous != null) {
                assertTrue(previous[0] != w[0], "a new draw every step");
            }
            previous = w;
        }
    }

    @Test
    void glsIsTheGeometricMean() {
        Trainer trainer = trainer(WeightingSpec.gls());
        Losses r = fit(trainer);
        assertEquals(Math.sqrt(r.branchLoss(0) * r.branchLoss(1)), r.total(), 1e-12);
        assertArrayEquals(new double[] {r.total() / (2 * r.branchLoss(0)), r.total() / (2 * r.branchLoss(1))},
                trainer.weights(), 1e-12);
    }

    @Test
    void pcGradProjectsConflictingSharedGradients() {
        Map<String, INDArray> g1 = branchGradient(0);
        Map<String, INDArray> g2 = branchGradient(1);
        double[] a = flat(g1, SHARED);
        double[] b = flat(g2, SHARED);
        double ab = dot(a, b);
        double[] expectedShared = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double pa = ab < 0 ? a[i] - ab / dot(b, b) * b[i] : a[i];
            double pb = ab < 0 ? b[i] - ab / dot(a, a) * a[i] : b[i];
            expectedShared[i] = pa + pb;
        }
        Trainer trainer = trainer(WeightingSpec.pcGrad());
        Map<String, INDArray> before = trainer.parameterValues();
        Losses r = fit(trainer);
        assertEquals(r.branchLoss(0) + r.branchLoss(1), r.total(), 1e-12);
        Map<String, double[]> expected = new java.util.HashMap<>();
        expected.put("trunk/dense_0/W", java.util.Arrays.copyOfRange(expectedShared, 0, 12));
        expected.put("trunk/dense_0/b", java.util.Arrays.copyOfRange(expectedShared, 12, 16));
        for (String head : HEADS) {
            expected.put(head, g1.get(head).add(g2.get(head)).reshape(-1).toDoubleVector());
        }
        assertSgdStep(before, trainer.parameterValues(), expected);
    }

    @Test
    void mgdaTakesTheMinimumNormCombination() {
        Map<String, INDArray> g1 = branchGradient(0);
        Map<String, INDArray> g2 = branchGradient(1);
        double[] a = flat(g1, SHARED);
        double[] b = flat(g2, SHARED);
        // Two gradients: α = clip(((b - a)·b) / ‖a - b‖², 0, 1) minimises ‖α·a + (1 - α)·b‖.
        double[] diff = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            diff[i] = a[i] - b[i];
        }
        double alpha = Math.min(1, Math.max(0, -dot(diff, b) / dot(diff, diff)));
        Trainer trainer = trainer(WeightingSpec.mgda());
        Map<String, INDArray> before = trainer.parameterValues();
        Losses r = fit(trainer);
        assertArrayEquals(new double[] {alpha, 1 - alpha}, trainer.weights(), 1e-9);
        assertEquals(alpha * r.branchLoss(0) + (1 - alpha) * r.branchLoss(1), r.total(), 1e-9);
        Map<String, double[]> expected = new java.util.HashMap<>();
        for (String name : before.keySet()) {
            expected.put(name, g1.get(name).mul(alpha).add(g2.get(name).mul(1 - alpha)).reshape(-1).toDoubleVector());
        }
        assertSgdStep(before, trainer.parameterValues(), expected);
    }

    @Test
    void gradNormFirstStepByHand() {
        Map<String, INDArray> g1 = branchGradient(0);
        Map<String, INDArray> g2 = branchGradient(1);
        Trainer trainer = trainer(WeightingSpec.gradNorm(1.5, ""));
        Map<String, INDArray> before = trainer.parameterValues();
        fit(trainer);
        // Logits 0, so w = 2·softmax(0) = (1, 1): Gᵢ = ‖∇_W Lᵢ‖ on the trunk's W; at step 0 every
        // Lᵢ(t)/Lᵢ(0) = 1, so rᵢ = 1 and target = Ḡ. ∂L_grad/∂wᵢ = sign(Gᵢ - Ḡ)·Gᵢ =: aᵢ and, through
        // w = 2·softmax(l) at l = 0, ∂wᵢ/∂lⱼ = δᵢⱼ - ½, so ∂L_grad/∂l₀ = (a₀ - a₁)/2 = -∂L_grad/∂l₁.
        double n1 = g1.get("trunk/dense_0/W").norm2Number().doubleValue();
        double n2 = g2.get("trunk/dense_0/W").norm2Number().doubleValue();
        double mean = (n1 + n2) / 2;
        double a1 = Math.signum(n1 - mean) * n1;
        double a2 = Math.signum(n2 - mean) * n2;
        double l1 = -LR * (a1 - a2) / 2;
        double l2 = -LR * (a2 - a1) / 2;
        double e1 = Math.exp(l1);
        double e2 = Math.exp(l2);
        assertArrayEquals(new double[] {2 * e1 / (e1 + e2), 2 * e2 / (e1 + e2)}, trainer.weights(), 1e-10);
        GradNormWeighter weighter = (GradNormWeighter) TrainerAccess.network(trainer).weighter();
        assertArrayEquals(new double[] {n1, n2}, weighter.lastGradientNorms(), 1e-10);
        assertArrayEquals(new double[] {mean, mean}, weighter.lastTargets(), 1e-10);
        Map<String, double[]> expected = new java.util.HashMap<>();
        for (String name : before.keySet()) {
            if (!name.startsWith("weighting/")) {
                expected.put(name, g1.get(name).add(g2.get(name)).reshape(-1).toDoubleVector());
            }
        }
        assertSgdStep(before, trainer.parameterValues(), expected);
    }

    /** A strategy of the user's own: all weight on the larger loss. */
    public static final class MaxLoss implements Weighter {
        private SDVariable total;
        private double[] last = {0.5, 0.5};

        @Override
        public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
            SDVariable stacked = host.sameDiff().stack(0, branchLosses.toArray(new SDVariable[0]));
            total = stacked.max();
            return total;
        }

        @Override
        public void afterStep(io.github.branchwise.runtime.weighting.StepInfo step, Losses losses) {
            last = losses.branchLoss(0) >= losses.branchLoss(1) ? new double[] {1, 0} : new double[] {0, 1};
        }

        @Override
        public double[] weights() {
            return last.clone();
        }
    }

    @Test
    void customStrategyPlugsIn() {
        Trainer trainer = trainer(WeightingSpec.custom(MaxLoss::new));
        Losses r = fit(trainer);
        assertEquals(Math.max(r.branchLoss(0), r.branchLoss(1)), r.total(), 1e-12);
        assertEquals(1.0, trainer.weights()[r.branchLoss(0) >= r.branchLoss(1) ? 0 : 1]);
    }

    @Test
    void trainableCollapsesToTheBoundOfTheSmallerLoss() {
        // ∂total/∂α = L₁ - L₂ does not depend on α: on the seed data the localization loss stays the smaller one
        // (its bias learns twice as fast), so α climbs until the clip holds it at 1, and the classification head
        // then gets no gradient at all.
        Trainer trainer = Trainer.create(TestModels.detector(), TrainingOptions.builder()
                .updater(new Sgd(1.0)).dataType(DataType.DOUBLE).build());
        INDArray[] x = {Nd4j.zeros(DataType.DOUBLE, 7, 5, 5, 2)};
        INDArray[] y = {Nd4j.ones(DataType.DOUBLE, 7, 3, 3, 1), Nd4j.ones(DataType.DOUBLE, 7, 2)};
        for (int i = 0; i < 200; i++) {
            trainer.fit(x, y);
        }
        assertEquals(1.0, trainer.weights()[0], 0.0);
        INDArray frozen = trainer.parameterValues().get("classification/dense_0/b");
        trainer.fit(x, y);
        assertEquals(frozen, trainer.parameterValues().get("classification/dense_0/b"));
    }
}

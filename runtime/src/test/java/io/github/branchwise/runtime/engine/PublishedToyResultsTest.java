package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.strategies.GradNormWeighter;
import io.github.branchwise.runtime.strategies.UncertaintyWeighter;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Published toy results reproduced: Kendall et al.'s uncertainty weighting and Chen et al.'s GradNorm. */
class PublishedToyResultsTest {

    /**
     * Kendall, Gal and Cipolla (2018), the toy of their reference code: y₁ = 2x + 8 + 10ε₁, y₂ = 3x + 3 + ε₂. The
     * best a model can do is the noise, so the learned σᵢ = sqrt(exp(sᵢ)) must come out near (10, 1).
     */
    @Test
    void uncertaintyWeightingLearnsTheNoiseLevels() {
        int n = 400;
        Random random = new Random(11);
        double[][] x = new double[n][1];
        double[][] y1 = new double[n][1];
        double[][] y2 = new double[n][1];
        for (int i = 0; i < n; i++) {
            x[i][0] = random.nextGaussian();
            y1[i][0] = 2 * x[i][0] + 8 + 10 * random.nextGaussian();
            y2[i][0] = 3 * x[i][0] + 3 + random.nextGaussian();
        }
        ModelSpec spec = ModelSpec.builder("test.Kendall")
                .input("x", 1)
                .branch("y1", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("y2", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.uncertainty())
                .graph(scope -> {
                    SDVariable h = scope.layers("trunk").dense(scope.input("x"), 32, Activation.RELU);
                    scope.output("y1", scope.layers("y1").dense(h, 1));
                    scope.output("y2", scope.layers("y2").dense(h, 1));
                })
                .build();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder()
                .seed(5).updater(new Adam(0.02)).dataType(DataType.DOUBLE).build());
        INDArray[] inputs = {Nd4j.createFromArray(x)};
        INDArray[] targets = {Nd4j.createFromArray(y1), Nd4j.createFromArray(y2)};
        for (int step = 0; step < 1500; step++) {
            trainer.fit(inputs, targets);
        }
        double[] sigma = ((UncertaintyWeighter) TrainerAccess.network(trainer).weighter()).sigmas();
        assertEquals(10.0, sigma[0], 1.5, "σ of the noisy task");
        assertEquals(1.0, sigma[1], 0.15, "σ of the clean task");
    }

    /**
     * Chen et al. (2018), section 4: T regression tasks fᵢ(x) = σᵢ·tanh((B + εᵢ)·x), x of 250 dimensions, outputs
     * of 100, B ~ N(0, 10), εᵢ ~ N(0, 3.5), a 4-layer ReLU trunk of 100 units and one linear head per task; the
     * scales σ = (1, 100) make the second task's loss, and its gradients, 10⁴ times larger. Scaled down here (fewer
     * examples and steps) to keep the test short; the example program runs the full size.
     */
    @Test
    void gradNormBalancesTheGradientNormsThatFixedWeightsLeaveApart() {
        GradNormToy toy = new GradNormToy(new double[] {1, 100}, 32, 3);
        Trainer gradNorm = toy.trainer(WeightingSpec.gradNorm(1.5, "trunk"));
        Trainer fixed = toy.trainer(WeightingSpec.fixed(1, 1));
        for (int step = 0; step < 100; step++) {
            toy.fit(gradNorm);
            toy.fit(fixed);
        }
        GradNormWeighter weighter = (GradNormWeighter) TrainerAccess.network(gradNorm).weighter();
        double[] norms = weighter.lastGradientNorms();
        double[] targets = weighter.lastTargets();
        double[] w = gradNorm.weights();
        // The weights shift towards the small-scale task and still sum to the number of tasks.
        assertEquals(2.0, w[0] + w[1], 1e-9);
        assertTrue(w[0] > 10 * w[1], "the small-scale task gets the larger weight: " + w[0] + " vs " + w[1]);
        // Its gradient norm is no longer starved: within a factor 3 of its target, and the two tasks' norms within
        // a factor 5 of each other, where FIXED leaves them more than 10 times apart.
        assertTrue(norms[0] / targets[0] > 1.0 / 3 && norms[0] / targets[0] < 3,
                "norm " + norms[0] + " vs target " + targets[0]);
        double[] fixedNorms = toy.gradientNorms(fixed);
        String report = "GRADNORM norms " + java.util.Arrays.toString(norms) + ", FIXED norms "
                + java.util.Arrays.toString(fixedNorms);
        assertTrue(fixedNorms[1] / fixedNorms[0] > 10, report);
        assertTrue(Math.max(norms[0], norms[1]) / Math.min(norms[0], norms[1]) < 5, report);
    }

    /** The GradNorm toy's data and model, at a configurable size. */
    static final class GradNormToy {
        private static final int INPUT = 250;
        private static final int OUTPUT = 100;
        private final double[] scales;
        private final INDArray x;
        private final INDArray[] y;

        GradNormToy(double[] scales, int examples, long seed) {
            this.scales = scales.clone();
            INDArray b = TestArrays.gaussian(seed, INPUT, OUTPUT).muli(Math.sqrt(10));
            x = TestArrays.uniform(seed + 1, examples, INPUT).subi(0.5).muli(0.02);
            y = new INDArray[scales.length];
            for (int i = 0; i < scales.length; i++) {
                INDArray e = TestArrays.gaussian(seed + 2 + i, INPUT, OUTPUT).muli(Math.sqrt(3.5));
                y[i] = org.nd4j.linalg.ops.transforms.Transforms.tanh(x.mmul(b.add(e))).muli(scales[i]);
            }
        }

        Trainer trainer(WeightingSpec weighting) {
            ModelSpec.Builder builder = ModelSpec.builder("test.GradNormToy").input("x", INPUT);
            for (int i = 0; i < scales.length; i++) {
                builder.branch("task" + i, new long[] {OUTPUT}, Loss.MEAN_SQUARED_ERROR, 1.0);
            }
            ModelSpec spec = builder.weighting(weighting).graph(scope -> {
                Layers trunk = scope.layers("trunk");
                SDVariable h = scope.input("x");
                for (int layer = 0; layer < 4; layer++) {
                    h = trunk.dense(h, 100, Activation.RELU);
                }
                for (int i = 0; i < scales.length; i++) {
                    scope.output("task" + i, scope.layers("task" + i).dense(h, OUTPUT));
                }
            }).build();
            // The weights get a larger learning rate than the network so that they settle within the test's
            // few steps; the paper trains for thousands.
            return Trainer.create(spec, TrainingOptions.builder()
                    .seed(1).updater(new Adam(1e-3)).weightingUpdater(new Adam(0.05)).dataType(DataType.DOUBLE)
                    .build());
        }

        Losses fit(Trainer trainer) {
            return trainer.fit(new INDArray[] {x}, y);
        }

        /** ‖∇_W wᵢ·Lᵢ‖ on the last trunk layer for each task, measured with one-hot FIXED twins' gradients. */
        double[] gradientNorms(Trainer trainer) {
            double[] w = trainer.weights();
            double[] norms = new double[scales.length];
            for (int i = 0; i < scales.length; i++) {
                double[] oneHot = new double[scales.length];
                oneHot[i] = 1;
                Trainer twin = trainer(WeightingSpec.fixed(oneHot));
                trainer.parameterValues().forEach((name, value) -> {
                    if (TrainerAccess.network(twin).parameters().containsKey(name)) {
                        TrainerAccess.network(twin).parameters().get(name).getArr().assign(value);
                    }
                });
                INDArray g = new SameDiffExecutor(TrainerAccess.network(twin)).forwardBackward(new INDArray[] {x}, y)
                        .gradients().get("trunk/dense_3/W");
                norms[i] = w[i] * g.norm2Number().doubleValue();
            }
            return norms;
        }
    }
}

package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The trainable weights' constraints, the predictor's view of trained parameters, and seeding. */
class TrainingBehaviourTest {
    private static final int BATCH = 6;

    @Test
    void alphaStaysInsideItsBoundsUnderAHugeLearningRate() {
        // DOUBLE, so that min and max are exactly the bounds the user wrote.
        ModelSpec spec = TestModels.detector(WeightingSpec.trainable(0.5, 0.2, 0.8));
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder()
                .updater(new Sgd(1e6)).dataType(DataType.DOUBLE).build());
        Random random = new Random(3);
        boolean hitMin = false;
        boolean hitMax = false;
        for (int step = 0; step < 12; step++) {
            INDArray[] x = TestData.inputs(spec, BATCH, random, DataType.DOUBLE);
            // Targets that make one branch's loss small and the other's large, alternating: the predictions
            // rounded give a BCE below ln 2, the rounded predictions flipped one above ln 2.
            INDArray[] p = trainer.predictor().predict(x);
            INDArray[] y = {Transforms.round(p[0], true), Transforms.round(p[1], true)};
            y[step % 2 == 0 ? 1 : 0].rsubi(1.0);
            Losses losses = trainer.fit(x, y);
            double[] w = trainer.weights();
            double alpha = w[0];
            assertTrue(alpha >= 0.2 && alpha <= 0.8, "alpha " + alpha + " after step " + step + ", " + losses);
            assertEquals(1.0, w[0] + w[1], 1e-15);
            // dTotal/dAlpha = L1 - L2, and a step of 1e6 always overshoots: alpha sits on the bound that favours
            // the branch with the smaller loss.
            assertEquals(losses.branchLoss(0) < losses.branchLoss(1) ? 0.8 : 0.2, alpha, 0.0, "after step " + step);
            hitMin |= alpha == 0.2;
            hitMax |= alpha == 0.8;
        }
        assertTrue(hitMin && hitMax, "alpha reached min " + hitMin + ", max " + hitMax);
    }

    @Test
    void alphaStaysInsideFloatBounds() {
        // 0.25 and 0.75 are exact in float; other bounds hold up to float rounding of the bound itself.
        ModelSpec spec = TestModels.detector(WeightingSpec.trainable(0.5, 0.25, 0.75));
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().updater(new Sgd(1e6)).build());
        Random random = new Random(4);
        for (int step = 0; step < 6; step++) {
            trainer.fit(TestData.inputs(spec, BATCH, random, DataType.FLOAT),
                    TestData.targets(spec, BATCH, random, DataType.FLOAT));
            double alpha = trainer.weights()[0];
            assertTrue(alpha == 0.25 || alpha == 0.75, "alpha " + alpha + " after step " + step);
        }
    }

    @Test
    void threeWeightsStayAConvexCombinationWithinBounds() {
        ModelSpec spec = TestModels.heads(WeightingSpec.trainable(0.5, 0.1, 0.6),
                Loss.BINARY_CROSSENTROPY, Loss.MEAN_SQUARED_ERROR, Loss.SPARSE_CATEGORICAL_CROSSENTROPY);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            Trainer trainer = Trainer.create(spec, TrainingOptions.builder().updater(new Sgd(1e6)).dataType(type)
                    .build());
            double[] start = trainer.weights();
            assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, start, type == DataType.DOUBLE ? 1e-15 : 1e-7);
            // DOUBLE: bounds exact, sum exact to rounding. FLOAT: the bounds and sum as far as float can hold them.
            double tolerance = type == DataType.DOUBLE ? 0 : 1e-6;
            Random random = new Random(5);
            boolean atBound = false;
            for (int step = 0; step < 8; step++) {
                trainer.fit(TestData.inputs(spec, BATCH, random, type), TestData.targets(spec, BATCH, random, type));
                double[] w = trainer.weights();
                double sum = 0;
                for (double wi : w) {
                    assertTrue(wi >= 0.1 - tolerance && wi <= 0.6 + tolerance,
                            type + " weights " + Arrays.toString(w) + " after step " + step);
                    atBound |= Math.abs(wi - 0.6) <= tolerance;
                    sum += wi;
                }
                assertEquals(1.0, sum, Math.max(tolerance, 1e-15),
                        type + " weights " + Arrays.toString(w) + " after step " + step);
            }
            assertTrue(atBound, type + ": a step of 1e6 must push a weight onto the upper bound");
        }
    }

    @Test
    void predictorSeesTrainedParametersAndMatchesAHandForward() {
        ModelSpec spec = TestModels.detector();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder()
                .updater(new Adam(0.05)).dataType(DataType.DOUBLE).build());
        Predictor predictor = trainer.predictor();
        Random random = new Random(6);
        INDArray[] x = TestData.inputs(spec, BATCH, random, DataType.DOUBLE);

        INDArray[] before = predictor.predict(x);
        INDArray[] beforeCopy = {before[0].dup(), before[1].dup()};
        assertHandForward(trainer.parameterValues(), x[0], before);
        for (int step = 0; step < 5; step++) {
            trainer.fit(TestData.inputs(spec, BATCH, random, DataType.DOUBLE),
                    TestData.targets(spec, BATCH, random, DataType.DOUBLE));
        }
        INDArray[] after = predictor.predict(x);
        assertFalse(Arrays.equals(before[0].data().asDouble(), after[0].data().asDouble()), "localization moved");
        assertFalse(Arrays.equals(before[1].data().asDouble(), after[1].data().asDouble()), "classification moved");
        assertHandForward(trainer.parameterValues(), x[0], after);
        // The earlier result is detached from the model: training did not change it.
        assertArrayEquals(beforeCopy[0].data().asDouble(), before[0].data().asDouble());
        assertArrayEquals(beforeCopy[1].data().asDouble(), before[1].data().asDouble());
        // A predictor obtained now agrees with the old one.
        INDArray[] fresh = trainer.predictor().predict(x);
        assertArrayEquals(fresh[0].data().asDouble(), after[0].data().asDouble());
        assertArrayEquals(fresh[1].data().asDouble(), after[1].data().asDouble());
    }

    /**
     * The Detector's forward pass in loops: a valid 3x3 cross-correlation of the NHWC image with the kernel
     * [kH, kW, in, out] plus bias, sigmoid; and sigmoid(flatten(image)·W + b) with NHWC flattening.
     */
    private static void assertHandForward(Map<String, INDArray> p, INDArray image, INDArray[] predictions) {
        INDArray kernel = p.get("localization/conv2d_0/W");
        double convBias = p.get("localization/conv2d_0/b").getDouble(0);
        INDArray dense = p.get("classification/dense_0/W");
        INDArray denseBias = p.get("classification/dense_0/b");
        for (int n = 0; n < image.size(0); n++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    double z = convBias;
                    for (int di = 0; di < 3; di++) {
                        for (int dj = 0; dj < 3; dj++) {
                            for (int c = 0; c < 2; c++) {
                                z += image.getDouble(n, i + di, j + dj, c) * kernel.getDouble(di, dj, c, 0);
                            }
                        }
                    }
                    assertEquals(sigmoid(z), predictions[0].getDouble(n, i, j, 0), 1e-12, "localization");
                }
            }
            for (int k = 0; k < 2; k++) {
                double z = denseBias.getDouble(k);
                for (int h = 0; h < 5; h++) {
                    for (int w = 0; w < 5; w++) {
                        for (int c = 0; c < 2; c++) {
                            z += image.getDouble(n, h, w, c) * dense.getDouble((h * 5 + w) * 2 + c, k);
                        }
                    }
                }
                assertEquals(sigmoid(z), predictions[1].getDouble(n, k), 1e-12, "classification");
            }
        }
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void sameSeedSameRunDifferentSeedDifferentRun() {
        ModelSpec spec = TestModels.twoInputs(WeightingSpec.trainable(0.5, 0.0, 1.0));
        RunRecord a = run(spec, 7);
        RunRecord b = run(spec, 7);
        RunRecord c = run(spec, 8);
        assertEquals(a.parameters.keySet(), b.parameters.keySet());
        for (String name : a.parameters.keySet()) {
            assertArrayEquals(a.initial.get(name).data().asDouble(), b.initial.get(name).data().asDouble(), name);
            assertArrayEquals(a.parameters.get(name).data().asDouble(), b.parameters.get(name).data().asDouble(),
                    name);
        }
        assertArrayEquals(a.losses, b.losses, "same seed: bit-identical losses");
        for (String name : a.initial.keySet()) {
            if (name.endsWith("/W")) {
                assertFalse(Arrays.equals(a.initial.get(name).data().asDouble(),
                        c.initial.get(name).data().asDouble()), "other seed, other initial " + name);
            }
        }
        assertFalse(Arrays.equals(a.losses, c.losses), "other seed, other losses");
    }

    private record RunRecord(Map<String, INDArray> initial, Map<String, INDArray> parameters, double[] losses) {
    }

    private static RunRecord run(ModelSpec spec, long seed) {
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(seed).updater(new Adam(0.01)).build());
        Map<String, INDArray> initial = trainer.parameterValues();
        Random data = new Random(99);
        double[] losses = new double[5 * 3];
        for (int step = 0; step < 5; step++) {
            Losses r = trainer.fit(TestData.inputs(spec, BATCH, data, DataType.FLOAT),
                    TestData.targets(spec, BATCH, data, DataType.FLOAT));
            losses[3 * step] = r.total();
            losses[3 * step + 1] = r.branchLoss(0);
            losses[3 * step + 2] = r.branchLoss(1);
        }
        return new RunRecord(initial, trainer.parameterValues(), losses);
    }
}

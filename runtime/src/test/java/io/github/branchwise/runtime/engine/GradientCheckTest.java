package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Finite-difference check of the gradient of the weighted total for every element of every trainable parameter,
 * weighting parameters included, in double precision on random data.
 *
 * <p>The analytic gradient comes from {@link SameDiffExecutor#forwardBackward}; the numeric one perturbs the
 * parameter array in place by ±h and asks {@link Trainer#evaluate} for the total: (f(θ+h) − f(θ−h)) / 2h. Every
 * parameter is checked along a random direction (which involves all of its elements: g·v against the directional
 * difference) and at a few single elements, the first and last included; all elements of every element would cost
 * minutes on SameDiff's per-call overhead. Each model
 * first takes a few SGD steps so biases and α are away from their initial values. Inputs are placed away from the
 * kinks of ReLU and MAE (asserted, not hoped for), where a central difference is not a derivative.
 */
class GradientCheckTest {
    private static final double H = 1e-6;
    private static final double RELATIVE = 1e-5;
    private static final double ABSOLUTE = 1e-9;
    /** Odd, so a sum of per-example signs (MAE's gradient) cannot cancel to exactly zero. */
    private static final int BATCH = 5;
    /** Single elements checked per parameter, besides the random direction that covers all of them. */
    private static final int ELEMENTS = 4;

    static Stream<Arguments> models() {
        List<Arguments> models = new ArrayList<>();
        models.add(model("Detector, TRAINABLE", TestModels.detector()));
        models.add(model("Detector, FIXED", TestModels.detector(WeightingSpec.fixed(0.3, 0.7))));
        models.add(model("TwoInputs, TRAINABLE", TestModels.twoInputs(WeightingSpec.trainable(0.4, 0.1, 0.9))));
        models.add(model("TwoInputs, FIXED", TestModels.twoInputs(WeightingSpec.fixed(1.5, 0.5))));
        for (Loss loss : Loss.values()) {
            if (loss != Loss.CUSTOM) {
                models.add(model(loss + " x2, TRAINABLE",
                        TestModels.heads(WeightingSpec.trainable(0.5, 0.0, 1.0), loss, loss)));
            }
        }
        models.add(model("FIXED, 2 branches", TestModels.heads(WeightingSpec.fixed(0.2, 0.8),
                Loss.BINARY_CROSSENTROPY, Loss.SPARSE_CATEGORICAL_CROSSENTROPY)));
        models.add(model("FIXED, 3 branches", TestModels.heads(WeightingSpec.fixed(0.5, 0.3, 0.2),
                Loss.CATEGORICAL_CROSSENTROPY, Loss.HUBER, Loss.MEAN_ABSOLUTE_ERROR)));
        models.add(model("TRAINABLE, 3 branches", TestModels.heads(WeightingSpec.trainable(0.5, 0.1, 0.8),
                Loss.SPARSE_CATEGORICAL_CROSSENTROPY, Loss.MEAN_SQUARED_ERROR, Loss.BINARY_CROSSENTROPY)));
        models.add(model("TRAINABLE, 3 branches, other losses", TestModels.heads(
                WeightingSpec.trainable(0.5, 0.0, 1.0),
                Loss.MEAN_ABSOLUTE_ERROR, Loss.CATEGORICAL_CROSSENTROPY, Loss.HUBER)));
        models.add(model("embedding, LSTM, GRU, TRAINABLE",
                SequenceModels.recurrent(WeightingSpec.trainable(0.5, 0.0, 1.0))));
        models.add(model("self-attention with padding mask, LSTM, FIXED",
                SequenceModels.attention(WeightingSpec.fixed(0.6, 0.4))));
        models.add(model("MMoE, TRAINABLE", ArchitectureModels.mmoe(WeightingSpec.trainable(0.5, 0.0, 1.0))));
        models.add(model("CGC, FIXED", ArchitectureModels.cgc(WeightingSpec.fixed(0.7, 1.3))));
        models.add(model("PLE, two levels, FIXED", ArchitectureModels.ple(WeightingSpec.fixed(1.0, 0.5))));
        models.add(model("cross-stitch, TRAINABLE", ArchitectureModels.crossStitch(false,
                WeightingSpec.trainable(0.5, 0.0, 1.0))));
        models.add(model("cross-stitch per channel, FIXED", ArchitectureModels.crossStitch(true,
                WeightingSpec.fixed(0.6, 0.4))));
        return models.stream();
    }

    private static Arguments model(String name, ModelSpec spec) {
        return Arguments.of(Named.of(name, spec));
    }

    @ParameterizedTest
    @MethodSource("models")
    void analyticGradientMatchesCentralDifference(ModelSpec spec) {
        // spec.toString() names the model, shapes, losses and weighting; (enum hash codes would change per JVM)
        Random random = new Random(spec.toString().hashCode());
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder()
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).seed(11).build());
        for (int step = 0; step < 2; step++) {
            trainer.fit(TestData.inputs(spec, BATCH, random, DataType.DOUBLE),
                    TestData.targets(spec, BATCH, random, DataType.DOUBLE));
        }
        INDArray[] x = TestData.inputs(spec, BATCH, random, DataType.DOUBLE);
        INDArray[] y = TestData.targets(spec, BATCH, random, DataType.DOUBLE);
        requireAwayFromKinks(trainer, x, y);

        StepExecutor.PassResult outcome = new SameDiffExecutor(TrainerAccess.network(trainer)).forwardBackward(x, y);
        Map<String, INDArray> analytic = outcome.gradients();
        Map<String, SDVariable> parameters = TrainerAccess.network(trainer).parameters();
        assertEquals(parameters.keySet(), analytic.keySet());
        assertTrue(parameters.keySet().stream().anyMatch(name -> name.startsWith("weighting/"))
                || spec.weighting().weighting() == io.github.branchwise.annotations.Weighting.FIXED);

        double base = trainer.evaluate(x, y).total();
        assertEquals(base, outcome.losses().total(), 1e-12, "forward of fit and of evaluate");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, SDVariable> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            INDArray value = parameter.getValue().getArr();
            INDArray gradient = analytic.get(name);
            assertEquals(value.length(), gradient.length(), name);
            // Self-attention's key bias adds q·bk to every key's score of a query, which the softmax cancels: its
            // gradient is zero, and the check shows the numeric one is too.
            assertTrue(name.endsWith("/bk") || Transforms.abs(gradient, true).maxNumber().doubleValue() > 1e-6,
                    name + " has an all-zero gradient: the check would prove nothing");
            // Every element at once: the derivative along a random direction v is g·v.
            INDArray direction = randomDirection(value, random);
            INDArray original = value.dup();
            value.addi(direction.mul(H));
            double plus = trainer.evaluate(x, y).total();
            value.assign(original).subi(direction.mul(H));
            double minus = trainer.evaluate(x, y).total();
            value.assign(original);
            double along = gradient.castTo(DataType.DOUBLE).reshape(-1).mul(direction.reshape(-1)).sumNumber()
                    .doubleValue();
            checked++;
            compare(name + " along a random direction", along, (plus - minus) / (2 * H), failures);
            // And single elements: the first, the last and some in between.
            for (long i : elements(value.length(), random)) {
                double v = value.getDouble(i);
                value.putScalar(i, v + H);
                plus = trainer.evaluate(x, y).total();
                value.putScalar(i, v - H);
                minus = trainer.evaluate(x, y).total();
                value.putScalar(i, v);
                checked++;
                compare(name + "[" + i + "]", gradient.getDouble(i), (plus - minus) / (2 * H), failures);
            }
        }
        assertEquals(base, trainer.evaluate(x, y).total(), 0.0, "parameters restored after the check");
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + checked + " gradient elements differ:\n" + String.join("\n", failures));
        }
        checkWeightingGradient(trainer, outcome);
    }

    private static void compare(String what, double exact, double numeric, List<String> failures) {
        if (Math.abs(exact - numeric) > RELATIVE * Math.max(Math.abs(exact), Math.abs(numeric)) + ABSOLUTE) {
            failures.add(what + ": analytic " + exact + ", numeric " + numeric);
        }
    }

    /** A direction with the shape of {@code like}, entries uniform in [-1, 1]. */
    private static INDArray randomDirection(INDArray like, Random random) {
        double[] values = new double[(int) like.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return Nd4j.create(values, like.shape(), DataType.DOUBLE);
    }

    /** Up to {@link #ELEMENTS} flat indices: the first, the last and random ones in between. */
    private static long[] elements(long length, Random random) {
        if (length <= ELEMENTS) {
            return java.util.stream.LongStream.range(0, length).toArray();
        }
        java.util.TreeSet<Long> picked = new java.util.TreeSet<>(List.of(0L, length - 1));
        while (picked.size() < ELEMENTS) {
            picked.add((long) random.nextInt((int) length));
        }
        return picked.stream().mapToLong(Long::longValue).toArray();
    }

    /** ∂total/∂α = L₁ − L₂ for two branches; ∂total/∂wᵢ = Lᵢ for N > 2: derived by hand from the total's formula. */
    private static void checkWeightingGradient(Trainer trainer, StepExecutor.PassResult outcome) {
        double[] losses = outcome.losses().branchLosses();
        INDArray alpha = outcome.gradients().get("weighting/alpha");
        if (alpha != null) {
            assertEquals(losses[0] - losses[1], alpha.getDouble(0), 1e-12, "dTotal/dAlpha = L1 - L2");
            double a = trainer.weights()[0];
            assertEquals(a * losses[0] + (1 - a) * losses[1], outcome.losses().total(), 1e-12);
        }
        INDArray weights = outcome.gradients().get("weighting/weights");
        if (weights != null) {
            double total = 0;
            double[] w = trainer.weights();
            for (int i = 0; i < losses.length; i++) {
                assertEquals(losses[i], weights.getDouble(i), 1e-12, "dTotal/dw" + i + " = L" + i);
                total += w[i] * losses[i];
            }
            assertEquals(total, outcome.losses().total(), 1e-12);
        }
    }

    /**
     * Fails the setup (not the gradient) when a ReLU pre-activation or an MAE residual is within 1e-4 of its kink,
     * where the central difference would straddle the kink.
     */
    private static void requireAwayFromKinks(Trainer trainer, INDArray[] x, INDArray[] y) {
        ModelSpec spec = trainer.spec();
        if (spec.modelName().equals("test.TwoInputs")) {
            Map<String, INDArray> p = trainer.parameterValues();
            INDArray trunk = Transforms.tanh(
                    x[0].mmul(p.get("trunk/dense_0/W")).addRowVector(p.get("trunk/dense_0/b")));
            INDArray pre = trunk.mmul(p.get("x1/dense_0/W")).addRowVector(p.get("x1/dense_0/b"));
            double nearest = Transforms.abs(pre, true).minNumber().doubleValue();
            assertTrue(nearest > 1e-4, "a ReLU input lies at " + nearest + " from its kink; pick another seed");
            assertTrue(pre.maxNumber().doubleValue() > 0, "every ReLU is dead; pick another seed");
        }
        INDArray[] predictions = trainer.predictor().predict(x);
        for (int i = 0; i < spec.branches().size(); i++) {
            if (spec.branches().get(i).loss() == Loss.MEAN_ABSOLUTE_ERROR) {
                double nearest = Transforms.abs(predictions[i].sub(y[i]), false).minNumber().doubleValue();
                assertTrue(nearest > 1e-4, "an MAE residual lies at " + nearest + " from 0; pick another seed");
            }
        }
    }
}

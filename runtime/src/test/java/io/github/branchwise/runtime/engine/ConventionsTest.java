package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.strategies.GradNormWeighter;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import org.nd4j.autodiff.samediff.SDVariable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The weighting conventions (head gradients, MGDA's normalisation and two-branch clamp, UNCERTAINTY's constant and
 * start, DWA's epoch mean, GradNorm's warm-up and norm scope) against numbers worked out independently: PyTorch
 * autograd on {@link StrategyTest#trunkModel}, written from the formulas ({@code conventions/reference.py} in the test
 * resources, its output {@code reference.txt} beside it). The data, the starting parameters and the expected losses,
 * weights and final parameters all come from that file; an epoch is a batch of four rows and a partial one of two.
 */
class ConventionsTest {
    private static final double LR = 0.05;
    private static final double TOLERANCE = 1e-9;
    private static final Map<String, double[]> REFERENCE = load();

    private static Map<String, double[]> load() {
        try (InputStream in = ConventionsTest.class.getResourceAsStream("/conventions/reference.txt")) {
            Map<String, double[]> values = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" = ", 2);
                values.put(parts[0].trim(), Arrays.stream(parts[1].trim().split(" "))
                        .mapToDouble(Double::parseDouble).toArray());
            }
            return values;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] ref(String key) {
        double[] value = REFERENCE.get(key);
        if (value == null) {
            throw new IllegalArgumentException("reference.txt has no " + key);
        }
        return value;
    }

    private static INDArray matrix(String key, int columns) {
        double[] v = ref(key);
        return Nd4j.createFromArray(v).reshape(v.length / columns, columns);
    }

    private static final INDArray X = matrix("data.x", 3);
    private static final INDArray Y_REG = matrix("data.y_reg", 1);
    private static final INDArray Y_BIN = matrix("data.y_bin", 2);

    /** A trainer of the trunk model under {@code weighting}, its network parameters set to the script's start. */
    private static Trainer trainer(WeightingSpec weighting) {
        return trainer(weighting, ExecutorKind.COMPILED);
    }

    private static Trainer trainer(WeightingSpec weighting, ExecutorKind executor) {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(weighting), TrainingOptions.builder()
                .seed(3).updater(new Sgd(LR)).dataType(DataType.DOUBLE).executor(executor).build());
        Map<String, INDArray> start = new LinkedHashMap<>();
        trainer.parameterValues().forEach((name, value) -> {
            if (!name.startsWith("weighting/")) {
                start.put(name, Nd4j.createFromArray(ref("data.start." + name)).reshape(value.shape()));
            }
        });
        trainer.setParameterValues(start);
        return trainer;
    }

    /** Batch 0 is rows 0-3, batch 1 the partial batch of rows 4-5. */
    private static Losses fit(Trainer trainer, int batch) {
        long from = batch == 0 ? 0 : 4;
        long to = batch == 0 ? 4 : 6;
        INDArray[] x = {X.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup()};
        INDArray[] y = {Y_REG.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup(),
            Y_BIN.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup()};
        return trainer.fit(x, y);
    }

    private static void assertFinalParameters(String name, Trainer trainer) {
        trainer.parameterValues().forEach((parameter, value) -> {
            if (!parameter.startsWith("weighting/")) {
                assertArrayEquals(ref(name + ".final." + parameter), value.reshape(-1).toDoubleVector(), TOLERANCE,
                        name + ": " + parameter + " after training");
            }
        });
    }

    /** Four steps alternating the batches; losses, total and weights of each step as the script's. */
    private static void assertSteps(String name, WeightingSpec weighting) {
        assertSteps(name, weighting, ExecutorKind.COMPILED);
    }

    private static void assertSteps(String name, WeightingSpec weighting, ExecutorKind executor) {
        Trainer trainer = trainer(weighting, executor);
        for (int step = 0; step < 4; step++) {
            Losses losses = fit(trainer, step % 2);
            String at = name + ".step" + step;
            assertArrayEquals(ref(at + ".losses"), losses.branchLosses(), TOLERANCE, at + " losses");
            assertEquals(ref(at + ".total")[0], losses.total(), TOLERANCE, at + " total");
            assertArrayEquals(ref(at + ".weights"), trainer.weights(), TOLERANCE, at + " weights");
        }
        assertFinalParameters(name, trainer);
    }

    @Test
    void mgdaUnderLibMtlClampsTheTwoBranchSolutionAndGivesHeadsTheirPlainGradient() {
        assertEquals(1.0, ref("mgda_libmtl.clamped_steps")[0], "the script's data hit the clamp once");
        assertArrayEquals(new double[] {0.001, 0.999}, ref("mgda_libmtl.step3.weights"), 1e-15);
        assertSteps("mgda_libmtl", WeightingSpec.mgda(Convention.LIBMTL, MgdaNormalization.NONE,
                HeadGradients.PLAIN));
    }

    @Test
    void mgdaNormalisesByTheGradientNorm() {
        assertSteps("mgda_l2_plain", WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.L2,
                HeadGradients.PLAIN));
    }

    @Test
    void mgdaLossPlusUnderLibMtlUpdatesWithTheNormalisedGradients() {
        assertTrue(ref("mgda_loss_plus_libmtl.clamped_steps")[0] > 0);
        assertSteps("mgda_loss_plus_libmtl", WeightingSpec.mgda(Convention.LIBMTL, MgdaNormalization.LOSS_PLUS,
                HeadGradients.PLAIN));
    }

    @Test
    void mgdaLossNormalisationWithWeightedHeads() {
        assertSteps("mgda_loss_weighted", WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.LOSS,
                HeadGradients.WEIGHTED));
    }

    @Test
    void uncertaintyUnderLibMtlUsesOneHalfAndStartsAtMinusOneHalf() {
        assertSteps("uncertainty_libmtl", WeightingSpec.uncertainty(UncertaintyScale.HALF, -0.5));
    }

    @Test
    void uncertaintyByLossFromAnotherStart() {
        assertSteps("uncertainty_by_loss_start", WeightingSpec.uncertainty(UncertaintyScale.BY_LOSS, 0.3));
    }

    /** Four epochs of a full and a partial batch; the weights of each epoch and the totals of each step. */
    private static void assertDwa(String name, EpochMean mean) {
        Trainer trainer = trainer(WeightingSpec.dwa(2.0, mean));
        for (int epoch = 0; epoch < 4; epoch++) {
            for (int batch = 0; batch < 2; batch++) {
                Losses losses = fit(trainer, batch);
                String at = name + ".epoch" + epoch;
                assertEquals(ref(at + ".batch" + batch + ".total")[0], losses.total(), TOLERANCE, at + " total");
                assertArrayEquals(ref(at + ".weights"), trainer.weights(), TOLERANCE, at + " weights");
            }
            trainer.endEpoch();
        }
        assertFinalParameters(name, trainer);
    }

    @Test
    void dwaEpochMeansPerExampleWeighTheBatchesBySize() {
        assertDwa("dwa_per_example", EpochMean.PER_EXAMPLE);
    }

    @Test
    void dwaEpochMeansPerBatch() {
        assertDwa("dwa_per_batch", EpochMean.PER_BATCH);
    }

    private static void assertGradNorm(String name, WeightingSpec weighting) {
        Trainer trainer = trainer(weighting);
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int batch = 0; batch < 2; batch++) {
                Losses losses = fit(trainer, batch);
                String at = name + ".epoch" + epoch + ".batch" + batch;
                assertArrayEquals(ref(at + ".losses"), losses.branchLosses(), TOLERANCE, at + " losses");
                assertEquals(ref(at + ".total")[0], losses.total(), TOLERANCE, at + " total");
                assertArrayEquals(ref(at + ".weights"), trainer.weights(), TOLERANCE, at + " weights");
            }
            trainer.endEpoch();
        }
        assertFinalParameters(name, trainer);
    }

    @Test
    void gradNormUnderLibMtlWarmsUpForAnEpochAndMeasuresEverySharedParameter() {
        assertGradNorm("gradnorm_libmtl", WeightingSpec.gradNorm(1.5, "", HeadGradients.PLAIN,
                GradNormWarmup.FIRST_EPOCH, GradNormScope.ALL_SHARED, EpochMean.PER_EXAMPLE));
    }

    @Test
    void gradNormWithPlainHeadsOnTheLastSharedLayer() {
        assertGradNorm("gradnorm_plain_heads", WeightingSpec.gradNorm(1.5, "", HeadGradients.PLAIN,
                GradNormWarmup.NONE, GradNormScope.LAST_SHARED_LAYER, EpochMean.PER_BATCH));
    }

    @Test
    void mgdaOnTheRepresentationSummedOverTheBatchAsLibMtl() {
        assertEquals(2.0, ref("mgda_rep_libmtl.clamped_steps")[0], "the clamp is hit");
        assertSteps("mgda_rep_libmtl", WeightingSpec.mgda(Convention.LIBMTL, MgdaNormalization.NONE,
                HeadGradients.PLAIN, GradientSource.REPRESENTATION_BATCH_SUM));
    }

    @Test
    void theRepresentationGradientComesFromTheSameDiffExecutorToo() {
        assertSteps("mgda_rep_libmtl", WeightingSpec.mgda(Convention.LIBMTL, MgdaNormalization.NONE,
                HeadGradients.PLAIN, GradientSource.REPRESENTATION_BATCH_SUM), ExecutorKind.SAMEDIFF);
    }

    @Test
    void mgdaUpperBoundOnTheWholeRepresentationGradient() {
        assertSteps("mgda_rep_ub_l2", WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.L2,
                HeadGradients.WEIGHTED, GradientSource.REPRESENTATION));
    }

    @Test
    void gradNormOnTheRepresentationAsLibMtl() {
        assertGradNorm("gradnorm_rep_libmtl", WeightingSpec.gradNorm(1.5, "", HeadGradients.PLAIN,
                GradNormWarmup.FIRST_EPOCH, GradNormScope.ALL_SHARED, EpochMean.PER_EXAMPLE,
                GradientSource.REPRESENTATION_BATCH_SUM));
    }

    @Test
    void gradNormOnTheWholeRepresentationGradient() {
        assertGradNorm("gradnorm_rep_whole", WeightingSpec.gradNorm(1.5, "", HeadGradients.WEIGHTED,
                GradNormWarmup.NONE, GradNormScope.LAST_SHARED_LAYER, EpochMean.PER_BATCH,
                GradientSource.REPRESENTATION));
    }

    @Test
    void theRepresentationSourceNeedsARegisteredSharedOutput() {
        ModelSpec unregistered = ModelSpec.builder("test.NoOutput")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.NONE, HeadGradients.WEIGHTED,
                        GradientSource.REPRESENTATION))
                .graph(scope -> {
                    SDVariable h = scope.layers("trunk").dense(scope.input("x"), 4, Activation.TANH);
                    scope.output("reg", scope.layers("reg").dense(h, 1));
                    scope.output("bin", scope.layers("bin").dense(h, 2, Activation.SIGMOID));
                })
                .build();
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> Trainer.create(unregistered, TrainingOptions.builder().build()));
        assertTrue(refused.getMessage().contains("gradientSource REPRESENTATION differentiates the output of the last "
                + "@Shared method, and the model has no @Shared method with layers"), refused.getMessage());
    }

    /**
     * A trunk and a neck whose source order (neck declared first) differs from the order they create parameters
     * (the neck reads the trunk, so the trunk's come first).
     */
    private static ModelSpec neckFirst(WeightingSpec weighting) {
        return ModelSpec.builder("test.NeckFirst")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .sharedMethods("neck", "trunk")
                .graph(scope -> {
                    SDVariable trunk = scope.layers("trunk").dense(scope.input("x"), 4, Activation.TANH);
                    SDVariable neck = scope.layers("neck").dense(trunk, 4, Activation.TANH);
                    scope.output("reg", scope.layers("reg").dense(neck, 1));
                    scope.output("bin", scope.layers("bin").dense(trunk, 2, Activation.SIGMOID));
                })
                .build();
    }

    @Test
    void gradNormsDefaultLayerIsTheLastSharedMethodDeclaredNotTheLastCreated() {
        TrainingOptions options = TrainingOptions.builder().seed(5).updater(new Sgd(LR)).dataType(DataType.DOUBLE)
                .build();
        INDArray[] x = {X};
        INDArray[] y = {Y_REG, Y_BIN};
        double[] norms = new double[2];
        for (int branch = 0; branch < 2; branch++) {
            // Each branch's own gradient from a FIXED one-hot twin with the same seed, hence the same parameters.
            Trainer twin = Trainer.create(neckFirst(WeightingSpec.fixed(branch == 0 ? 1 : 0, branch)), options);
            norms[branch] = new SameDiffExecutor(TrainerAccess.network(twin)).forwardBackward(x, y).gradients()
                    .get("trunk/dense_0/W").norm2Number().doubleValue();
        }
        Trainer trainer = Trainer.create(neckFirst(WeightingSpec.gradNorm(1.5, "")), options);
        trainer.fit(x, y);
        GradNormWeighter weighter = (GradNormWeighter) TrainerAccess.network(trainer).weighter();
        assertArrayEquals(norms, weighter.lastGradientNorms(), 1e-10, "measured on trunk/dense_0/W");
    }
}

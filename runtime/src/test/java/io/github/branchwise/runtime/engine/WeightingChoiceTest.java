package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.weighting.WeightSchedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A weighting chosen at run time through {@link TrainingOptions} trains exactly as the same weighting written in the
 * annotation, is recorded in saved files so a loaded model continues with it, and is checked as strictly as the
 * annotation: what the factories can check at once, what needs the model when the model is created.
 */
class WeightingChoiceTest {
    private static final INDArray[] X = {TestArrays.gaussian(1, 6, 3)};
    private static final INDArray[] Y = {TestArrays.gaussian(2, 6, 1),
        TestArrays.uniform(3, 6, 2).gt(0.5).castTo(DataType.DOUBLE)};
    /** What the annotation of the model under test says; every choice below overrides it. */
    private static final WeightingSpec ANNOTATED = WeightingSpec.fixed(1, 1);

    /** A schedule of the user's own: weight moving to the second branch step by step. */
    public static final class Shift implements WeightSchedule {
        @Override
        public double[] weights(long step, long epoch, int branches) {
            double a = 1.0 / (1 + step);
            return new double[] {a, 1 - a};
        }
    }

    /** Not a schedule's shape: no public no-argument constructor. */
    public static final class NeedsArgument implements WeightSchedule {
        public NeedsArgument(int unused) {
        }

        @Override
        public double[] weights(long step, long epoch, int branches) {
            return new double[] {1, 1};
        }
    }

    static Stream<Arguments> choices() {
        return Stream.of(
                Arguments.of(LossWeighting.fixed(1, 2), WeightingSpec.fixed(1, 2)),
                Arguments.of(LossWeighting.trainable(0.3, 0.1, 0.9), WeightingSpec.trainable(0.3, 0.1, 0.9)),
                Arguments.of(LossWeighting.scheduled(new double[] {1, 0}, new double[] {0, 1}, Ramp.COSINE, 5,
                        RampUnit.STEP), WeightingSpec.scheduled(new double[] {1, 0}, new double[] {0, 1},
                        Ramp.COSINE, 5, RampUnit.STEP)),
                Arguments.of(LossWeighting.scheduled(Shift.class), WeightingSpec.scheduled(Shift::new)),
                Arguments.of(LossWeighting.uncertainty(), WeightingSpec.uncertainty()),
                Arguments.of(LossWeighting.dwa(3.0), WeightingSpec.dwa(3.0)),
                Arguments.of(LossWeighting.rlw(), WeightingSpec.rlw()),
                Arguments.of(LossWeighting.gls(), WeightingSpec.gls()),
                Arguments.of(LossWeighting.gradNorm(1.2, "trunk"), WeightingSpec.gradNorm(1.2, "trunk")),
                Arguments.of(LossWeighting.pcGrad(), WeightingSpec.pcGrad()),
                Arguments.of(LossWeighting.mgda(), WeightingSpec.mgda()),
                // The conventions, non-default: the presets and attributes one by one.
                Arguments.of(LossWeighting.uncertainty(Convention.LIBMTL),
                        WeightingSpec.uncertainty(UncertaintyScale.HALF, -0.5)),
                Arguments.of(LossWeighting.dwa(3.0, EpochMean.PER_EXAMPLE),
                        WeightingSpec.dwa(3.0, EpochMean.PER_EXAMPLE)),
                Arguments.of(LossWeighting.gradNorm(1.2, Convention.LIBMTL), WeightingSpec.gradNorm(1.2, "",
                        HeadGradients.PLAIN, GradNormWarmup.FIRST_EPOCH, GradNormScope.ALL_SHARED,
                        EpochMean.PER_EXAMPLE)),
                Arguments.of(LossWeighting.gradNorm(1.2, "trunk", HeadGradients.PLAIN, GradNormWarmup.NONE,
                        GradNormScope.LAST_SHARED_LAYER, EpochMean.PER_BATCH), WeightingSpec.gradNorm(1.2, "trunk",
                        HeadGradients.PLAIN, GradNormWarmup.NONE, GradNormScope.LAST_SHARED_LAYER,
                        EpochMean.PER_BATCH)),
                Arguments.of(LossWeighting.pcGrad(Convention.LIBMTL), WeightingSpec.pcGrad(PcGradOrder.ALL)),
                Arguments.of(LossWeighting.mgda(Convention.LIBMTL), WeightingSpec.mgda(Convention.LIBMTL,
                        MgdaNormalization.NONE, HeadGradients.PLAIN)),
                Arguments.of(LossWeighting.mgda(Convention.LIBMTL, MgdaNormalization.L2, HeadGradients.PLAIN,
                        GradientSource.REPRESENTATION_BATCH_SUM), WeightingSpec.mgda(Convention.LIBMTL,
                        MgdaNormalization.L2, HeadGradients.PLAIN, GradientSource.REPRESENTATION_BATCH_SUM)),
                Arguments.of(LossWeighting.gradNorm(1.5, "", HeadGradients.WEIGHTED, GradNormWarmup.NONE,
                        GradNormScope.LAST_SHARED_LAYER, EpochMean.PER_BATCH, GradientSource.REPRESENTATION),
                        WeightingSpec.gradNorm(1.5, "", HeadGradients.WEIGHTED, GradNormWarmup.NONE,
                        GradNormScope.LAST_SHARED_LAYER, EpochMean.PER_BATCH, GradientSource.REPRESENTATION)),
                Arguments.of(LossWeighting.mgda(Convention.BRANCHWISE, MgdaNormalization.LOSS_PLUS,
                        HeadGradients.PLAIN), WeightingSpec.mgda(Convention.BRANCHWISE, MgdaNormalization.LOSS_PLUS,
                        HeadGradients.PLAIN)),
                Arguments.of(LossWeighting.caGrad(), WeightingSpec.caGrad()),
                Arguments.of(LossWeighting.caGrad(0.8, 2), WeightingSpec.caGrad(0.8, 2)),
                Arguments.of(LossWeighting.stch(0.5, 1), WeightingSpec.stch(0.5, 1)),
                Arguments.of(LossWeighting.famo(0.1, 0.01), WeightingSpec.famo(0.1, 0.01)),
                Arguments.of(LossWeighting.imtl(), WeightingSpec.imtl(ImtlMode.HYBRID, GradientSource.PARAMETERS)),
                Arguments.of(LossWeighting.imtl(ImtlMode.LOSS),
                        WeightingSpec.imtl(ImtlMode.LOSS, GradientSource.PARAMETERS)),
                Arguments.of(LossWeighting.imtl(ImtlMode.GRADIENT, GradientSource.REPRESENTATION_BATCH_SUM),
                        WeightingSpec.imtl(ImtlMode.GRADIENT, GradientSource.REPRESENTATION_BATCH_SUM)),
                Arguments.of(LossWeighting.alignedMtl(), WeightingSpec.alignedMtl(GradientSource.PARAMETERS)),
                Arguments.of(LossWeighting.alignedMtl(GradientSource.REPRESENTATION),
                        WeightingSpec.alignedMtl(GradientSource.REPRESENTATION)),
                Arguments.of(LossWeighting.gradVac(), WeightingSpec.gradVac(0.01, GradVacGroups.WHOLE_MODEL)),
                Arguments.of(LossWeighting.gradVac(0.5, GradVacGroups.PER_LAYER),
                        WeightingSpec.gradVac(0.5, GradVacGroups.PER_LAYER)),
                Arguments.of(LossWeighting.sdmGrad(), WeightingSpec.sdmGrad(0.3, 20)),
                Arguments.of(LossWeighting.sdmGrad(1.0, 3), WeightingSpec.sdmGrad(1.0, 3)),
                Arguments.of(LossWeighting.moDo(), WeightingSpec.moDo(0.001, 0.1)),
                Arguments.of(LossWeighting.moDo(0.05, 0.5), WeightingSpec.moDo(0.05, 0.5)),
                Arguments.of(LossWeighting.upGrad(), WeightingSpec.upGrad()),
                Arguments.of(LossWeighting.nashMtl(), WeightingSpec.nashMtl()),
                Arguments.of(LossWeighting.nashMtl(0.5, 3), WeightingSpec.nashMtl(0.5, 3)),
                Arguments.of(LossWeighting.fairGrad(), WeightingSpec.fairGrad()),
                Arguments.of(LossWeighting.fairGrad(2.0), WeightingSpec.fairGrad(2.0)),
                Arguments.of(LossWeighting.gradDrop(), WeightingSpec.gradDrop(0)),
                Arguments.of(LossWeighting.gradDrop(0.25), WeightingSpec.gradDrop(0.25)),
                Arguments.of(LossWeighting.dbMtl(), WeightingSpec.dbMtl(0.9, 0)),
                Arguments.of(LossWeighting.dbMtl(0.8, 0.5), WeightingSpec.dbMtl(0.8, 0.5)),
                Arguments.of(LossWeighting.moco(), WeightingSpec.moco(0.5, 0.5, 0.1, 0.5, 0)),
                Arguments.of(LossWeighting.moco(0.7, 0.2, 0.5, 0.3, 0.1), WeightingSpec.moco(0.7, 0.2, 0.5, 0.3, 0.1)),
                Arguments.of(LossWeighting.excessMtl(), WeightingSpec.excessMtl(0.01)),
                Arguments.of(LossWeighting.excessMtl(0.5), WeightingSpec.excessMtl(0.5)),
                Arguments.of(LossWeighting.custom(StrategyTest.MaxLoss.class),
                        WeightingSpec.custom(StrategyTest.MaxLoss::new)));
    }

    private static TrainingOptions.Builder options() {
        return TrainingOptions.builder().seed(9).updater(new Adam(0.05)).dataType(DataType.DOUBLE);
    }

    /** Three epochs of two steps: the totals and the weights after each step. */
    private static List<double[]> run(Trainer trainer) {
        double[] totals = new double[6];
        double[] weights = new double[12];
        for (int e = 0; e < 3; e++) {
            for (int i = 0; i < 2; i++) {
                totals[2 * e + i] = trainer.fit(X, Y).total();
                double[] w = trainer.weights();
                weights[2 * (2 * e + i)] = w[0];
                weights[2 * (2 * e + i) + 1] = w[1];
            }
            trainer.endEpoch();
        }
        return List.of(totals, weights);
    }

    @ParameterizedTest
    @MethodSource("choices")
    void aChoiceTrainsAsTheSameAnnotation(LossWeighting choice, WeightingSpec annotation) {
        Trainer chosen = Trainer.create(StrategyTest.trunkModel(ANNOTATED), options().weighting(choice).build());
        Trainer annotated = Trainer.create(StrategyTest.trunkModel(annotation), options().build());
        assertEquals(choice.weighting(), chosen.spec().weighting().weighting());
        List<double[]> expected = run(annotated);
        List<double[]> actual = run(chosen);
        assertArrayEquals(expected.get(0), actual.get(0), 0.0, "totals");
        assertArrayEquals(expected.get(1), actual.get(1), 0.0, "weights");
        assertTrue(chosen.summary().contains(choice.weighting().name()), chosen.summary());
    }

    @ParameterizedTest
    @MethodSource("choices")
    void aSavedChoiceLoadsAndContinuesExactly(LossWeighting choice, WeightingSpec unused, @TempDir Path dir)
            throws IOException {
        ModelSpec spec = StrategyTest.trunkModel(ANNOTATED);
        Trainer straight = Trainer.create(spec, options().weighting(choice).build());
        Trainer interrupted = Trainer.create(spec, options().weighting(choice).build());
        List<double[]> expected = run(straight);
        run(interrupted);
        Path file = dir.resolve("model.bin");
        interrupted.save(file);
        Trainer loaded = Trainer.load(spec, file);
        assertEquals(choice, loaded.options().weighting().orElseThrow(), "the file records the choice");
        assertEquals(choice.weighting(), loaded.spec().weighting().weighting());
        List<double[]> more = run(loaded);
        List<double[]> straightMore = run(straight);
        assertArrayEquals(straightMore.get(0), more.get(0), 0.0, "totals after loading");
        assertArrayEquals(straightMore.get(1), more.get(1), 0.0, "weights after loading");
        assertEquals(6, expected.get(0).length);
    }

    @Test
    void theAnnotationsWeightingIsNotRecorded(@TempDir Path dir) throws IOException {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(ANNOTATED), options().build());
        Path file = dir.resolve("model.bin");
        trainer.save(file);
        ModelFile.Contents contents = ModelFile.read(file, "test.Trunk");
        assertFalse(contents.attachments().containsKey(TrainingFile.WEIGHTING_ATTACHMENT));
        assertTrue(Trainer.load(StrategyTest.trunkModel(ANNOTATED), file).options().weighting().isEmpty());
    }

    @Test
    void factoriesApplyTheAnnotationsRulesAtOnce() {
        assertMessage("FIXED weights must be finite and non-negative; -1.0 is not", () -> LossWeighting.fixed(-1, 1));
        assertMessage("FIXED weights must be finite and non-negative; NaN is not",
                () -> LossWeighting.fixed(Double.NaN, 1));
        assertMessage("FIXED weights must not all be zero", () -> LossWeighting.fixed(0, 0));
        assertMessage("TRAINABLE weights need 0 <= min <= max <= 1; min = -0.1, max = 1.0",
                () -> LossWeighting.trainable(0.5, -0.1, 1));
        assertMessage("TRAINABLE weights need 0 <= min <= max <= 1; min = 0.8, max = 0.2",
                () -> LossWeighting.trainable(0.5, 0.8, 0.2));
        assertMessage("TRAINABLE initial must lie in [min, max] = [0.6, 0.9]; 0.5 does not",
                () -> LossWeighting.trainable(0.5, 0.6, 0.9));
        assertMessage("SCHEDULED rampLength must be positive; 0 is not", () -> LossWeighting.scheduled(
                new double[] {1, 0}, new double[] {0, 1}, Ramp.LINEAR, 0, RampUnit.EPOCH));
        assertMessage("SCHEDULED weights and endWeights need one weight per branch each; 2 vs 3",
                () -> LossWeighting.scheduled(new double[] {1, 0}, new double[] {0, 1, 1}, Ramp.LINEAR, 3,
                        RampUnit.EPOCH));
        assertMessage("SCHEDULED endWeights must not all be zero", () -> LossWeighting.scheduled(
                new double[] {1, 0}, new double[] {0, 0}, Ramp.LINEAR, 3, RampUnit.EPOCH));
        assertMessage("DWA temperature must be positive and finite; 0.0 is not", () -> LossWeighting.dwa(0));
        assertMessage("GRADNORM asymmetry must be finite and non-negative; -1.0 is not",
                () -> LossWeighting.gradNorm(-1, ""));
        assertMessage("UNCERTAINTY initialLogVariance must be finite; NaN is not",
                () -> LossWeighting.uncertainty(UncertaintyScale.HALF, Double.NaN));
        assertMessage("UNCERTAINTY initialLogVariance must be finite; Infinity is not",
                () -> LossWeighting.uncertainty(UncertaintyScale.BY_LOSS, Double.POSITIVE_INFINITY));
        assertMessage("GRADNORM sharedLayer applies to gradNormScope LAST_SHARED_LAYER only; with ALL_SHARED every "
                + "shared parameter is measured, so \"trunk\" would be ignored", () -> LossWeighting.gradNorm(1.5,
                "trunk", HeadGradients.PLAIN, GradNormWarmup.NONE, GradNormScope.ALL_SHARED, EpochMean.PER_BATCH));
        assertMessage("CAGRAD caGradRadius must be finite and non-negative; -0.5 is not",
                () -> LossWeighting.caGrad(-0.5, 1));
        assertMessage("CAGRAD caGradRadius must be finite and non-negative; NaN is not",
                () -> LossWeighting.caGrad(Double.NaN, 1));
        assertMessage("CAGRAD caGradRescale must be 0 (no rescaling), 1 (divide by 1 + c²) or 2 (divide by 1 + c); "
                + "3 is not", () -> LossWeighting.caGrad(0.5, 3));
        assertThrows(NullPointerException.class, () -> LossWeighting.mgda(Convention.LIBMTL, null,
                HeadGradients.PLAIN));
        assertMessage("STCH stchMu must be positive and finite; 0.0 is not", () -> LossWeighting.stch(0, 4));
        assertMessage("STCH stchMu must be positive and finite; Infinity is not",
                () -> LossWeighting.stch(Double.POSITIVE_INFINITY, 4));
        assertMessage("STCH stchWarmupEpochs must not be negative; -1 is", () -> LossWeighting.stch(1, -1));
        assertMessage("FAMO famoLearningRate must be positive and finite; 0.0 is not",
                () -> LossWeighting.famo(0, 0.001));
        assertMessage("FAMO famoWeightDecay must be finite and not negative; -0.1 is not",
                () -> LossWeighting.famo(0.025, -0.1));
        assertMessage("FAMO famoWeightDecay must be finite and not negative; NaN is not",
                () -> LossWeighting.famo(0.025, Double.NaN));
        assertMessage("GRADVAC gradVacBeta must lie in [0, 1]; 1.5 does not",
                () -> LossWeighting.gradVac(1.5, GradVacGroups.WHOLE_MODEL));
        assertMessage("GRADVAC gradVacBeta must lie in [0, 1]; NaN does not",
                () -> LossWeighting.gradVac(Double.NaN, GradVacGroups.WHOLE_MODEL));
        assertMessage("SDMGRAD sdmGradLambda must be finite and not negative; -0.3 is not",
                () -> LossWeighting.sdmGrad(-0.3, 20));
        assertMessage("SDMGRAD sdmGradLambda must be finite and not negative; Infinity is not",
                () -> LossWeighting.sdmGrad(Double.POSITIVE_INFINITY, 20));
        assertMessage("SDMGRAD sdmGradIterations must be positive; 0 is not", () -> LossWeighting.sdmGrad(0.3, 0));
        assertMessage("MODO modoGamma must be positive and finite; 0.0 is not", () -> LossWeighting.moDo(0, 0.1));
        assertMessage("MODO modoRho must be finite and not negative; NaN is not",
                () -> LossWeighting.moDo(0.001, Double.NaN));
        assertMessage("NASH_MTL nashMtlMaxNorm must be finite and non-negative; -1.0 is not",
                () -> LossWeighting.nashMtl(-1, 1));
        assertMessage("NASH_MTL nashMtlMaxNorm must be finite and non-negative; Infinity is not",
                () -> LossWeighting.nashMtl(Double.POSITIVE_INFINITY, 1));
        assertMessage("NASH_MTL nashMtlUpdateEvery must be at least 1; 0 is not", () -> LossWeighting.nashMtl(1, 0));
        assertMessage("FAIRGRAD fairGradAlpha must be positive and finite; 0.0 is not",
                () -> LossWeighting.fairGrad(0));
        assertMessage("FAIRGRAD fairGradAlpha must be positive and finite; NaN is not",
                () -> LossWeighting.fairGrad(Double.NaN));
        assertMessage("GRADDROP gradDropLeak must be in [0, 1]; 1.5 is not", () -> LossWeighting.gradDrop(1.5));
        assertMessage("GRADDROP gradDropLeak must be in [0, 1]; NaN is not", () -> LossWeighting.gradDrop(Double.NaN));
        assertMessage("DB_MTL dbMtlBeta must be in [0, 1]; -0.1 is not", () -> LossWeighting.dbMtl(-0.1, 0));
        assertMessage("DB_MTL dbMtlBetaSigma must be finite and not negative; -1.0 is not",
                () -> LossWeighting.dbMtl(0.9, -1));
        assertMessage("MOCO mocoBeta must be in (0, 1]; 0.0 is not", () -> LossWeighting.moco(0, 0.5, 0.1, 0.5, 0));
        assertMessage("MOCO mocoBetaSigma must be finite and not negative; -0.5 is not",
                () -> LossWeighting.moco(0.5, -0.5, 0.1, 0.5, 0));
        assertMessage("MOCO mocoGamma must be finite and not negative; Infinity is not",
                () -> LossWeighting.moco(0.5, 0.5, Double.POSITIVE_INFINITY, 0.5, 0));
        assertMessage("MOCO mocoGammaSigma must be finite and not negative; -1.0 is not",
                () -> LossWeighting.moco(0.5, 0.5, 0.1, -1, 0));
        assertMessage("MOCO mocoRho must be finite and not negative; NaN is not",
                () -> LossWeighting.moco(0.5, 0.5, 0.1, 0.5, Double.NaN));
        assertMessage("EXCESS_MTL excessMtlStepSize must be finite and not negative; -0.01 is not",
                () -> LossWeighting.excessMtl(-0.01));
    }

    @Test
    void thePresetsSetWhatTheirStrategyReadsAndEqualTheSameChoicesOneByOne() {
        assertEquals(LossWeighting.uncertainty(UncertaintyScale.HALF, -0.5), LossWeighting.uncertainty(
                Convention.LIBMTL));
        assertEquals(LossWeighting.uncertainty(), LossWeighting.uncertainty(Convention.BRANCHWISE));
        assertEquals(LossWeighting.dwa(2.0, EpochMean.PER_EXAMPLE), LossWeighting.dwa(2.0, Convention.LIBMTL));
        assertEquals(LossWeighting.pcGrad(PcGradOrder.ALL), LossWeighting.pcGrad(Convention.LIBMTL));
        assertEquals(LossWeighting.pcGrad(), LossWeighting.pcGrad(Convention.BRANCHWISE));
        assertEquals(LossWeighting.gradNorm(), LossWeighting.gradNorm(1.5, Convention.BRANCHWISE));
        assertEquals(LossWeighting.mgda(), LossWeighting.mgda(Convention.BRANCHWISE));
        LossWeighting mgda = LossWeighting.mgda(Convention.LIBMTL);
        assertEquals(Convention.LIBMTL, mgda.convention());
        assertEquals(HeadGradients.PLAIN, mgda.headGradients());
        assertEquals(MgdaNormalization.NONE, mgda.mgdaNormalization());
        // Attributes the strategy does not read keep the annotation's defaults.
        assertEquals(HeadGradients.WEIGHTED, LossWeighting.uncertainty(Convention.LIBMTL).headGradients());
        assertEquals(Convention.BRANCHWISE, LossWeighting.gradNorm(1.5, Convention.LIBMTL).convention());
        assertEquals("MGDA(convention=LIBMTL, mgdaNormalization=NONE, headGradients=PLAIN)", mgda.toString());
    }

    @Test
    void aRecordWithoutConventionsReadsAsTheDefaultsAndAnUnknownConventionIsRefused(@TempDir Path dir)
            throws IOException {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(ANNOTATED),
                options().weighting(LossWeighting.mgda(Convention.LIBMTL)).build());
        Path good = dir.resolve("good.bin");
        trainer.save(good);
        ModelFile.Contents contents = ModelFile.read(good, "test.Trunk");
        String record = new String(contents.attachments().get(TrainingFile.WEIGHTING_ATTACHMENT),
                StandardCharsets.UTF_8);
        assertTrue(record.contains("\"convention\":\"LIBMTL\""), record);
        Path older = rewrite(contents, dir.resolve("older.bin"), "{\"weighting\":\"MGDA\"}");
        assertEquals(LossWeighting.mgda(), Trainer.load(StrategyTest.trunkModel(ANNOTATED), older).options()
                .weighting().orElseThrow());
        Path unknown = rewrite(contents, dir.resolve("unknown.bin"),
                record.replace("\"convention\":\"LIBMTL\"", "\"convention\":\"TORCHJD\""));
        ModelFileException refused = assertThrows(ModelFileException.class,
                () -> Trainer.load(StrategyTest.trunkModel(ANNOTATED), unknown));
        assertTrue(refused.getMessage().contains("unreadable weighting record"), refused.getMessage());
    }

    @Test
    void whatNeedsTheModelIsCheckedWhenTheModelIsCreated() {
        ModelSpec trunk = StrategyTest.trunkModel(ANNOTATED);
        assertCreateFails(trunk, LossWeighting.fixed(1, 2, 3), "test.Trunk: TrainingOptions.weighting FIXED(weights="
                + "[1.0, 2.0, 3.0]) does not fit the model: FIXED weights: 3 weights for 2 branches");
        assertCreateFails(trunk, LossWeighting.scheduled(new double[] {1}, new double[] {1}, Ramp.LINEAR, 2,
                RampUnit.STEP), "SCHEDULED weights: 1 weights for 2 branches");
        assertCreateFails(trunk, LossWeighting.gradNorm(1.5, "head"),
                "sharedLayer must name a @Shared method with parameters; there is no 'head' among [trunk]");
        assertCreateFails(withoutShared(), LossWeighting.gradNorm(),
                "GRADNORM weighting measures the branches' gradient norms on the last layer of a @Shared method, "
                        + "and the model has no @Shared method with parameters");
        assertCreateFails(threeBranches(), LossWeighting.trainable(0.5, 0.5, 1.0),
                "TRAINABLE weights sum to one, so with 3 branches min must be at most 1/3 and max at least 1/3; "
                        + "min = 0.5, max = 1.0");
        assertCreateFails(trunk, LossWeighting.custom(String.class), "the weighting's strategy must be a public, "
                + "non-abstract class implementing io.github.branchwise.runtime.weighting.Weighter with a public "
                + "no-argument constructor; java.lang.String does not implement Weighter");
        assertCreateFails(trunk, LossWeighting.custom(io.github.branchwise.runtime.weighting.Weighter.class),
                "Weighter is abstract");
        assertCreateFails(trunk, LossWeighting.scheduled(NeedsArgument.class), "NeedsArgument has none");
    }

    @Test
    void aDamagedOrUnknownRecordIsRefusedByName(@TempDir Path dir) throws IOException {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(ANNOTATED),
                options().weighting(LossWeighting.custom(StrategyTest.MaxLoss.class)).build());
        Path good = dir.resolve("good.bin");
        trainer.save(good);
        ModelFile.Contents contents = ModelFile.read(good, "test.Trunk");
        String record = new String(contents.attachments().get(TrainingFile.WEIGHTING_ATTACHMENT),
                StandardCharsets.UTF_8);
        assertTrue(record.contains("\"strategy\":\"" + StrategyTest.MaxLoss.class.getName() + "\""), record);

        Path missingClass = rewrite(contents, dir.resolve("missing.bin"),
                record.replace(StrategyTest.MaxLoss.class.getName(), "example.Gone"));
        ModelFileException gone = assertThrows(ModelFileException.class,
                () -> Trainer.load(StrategyTest.trunkModel(ANNOTATED), missingClass));
        assertTrue(gone.getMessage().contains("was trained with a weighting whose class example.Gone is not on the "
                + "class path"), gone.getMessage());

        Path negative = rewrite(contents, dir.resolve("negative.bin"),
                "{\"weighting\":\"FIXED\",\"weights\":[-1.0,1.0]}");
        ModelFileException refused = assertThrows(ModelFileException.class,
                () -> Trainer.load(StrategyTest.trunkModel(ANNOTATED), negative));
        assertTrue(refused.getMessage().contains("unreadable weighting record: FIXED weights must be finite and "
                + "non-negative; -1.0 is not"), refused.getMessage());

        Path garbage = rewrite(contents, dir.resolve("garbage.bin"), "{\"weighting\":\"SOMETHING\"}");
        assertThrows(ModelFileException.class, () -> Trainer.load(StrategyTest.trunkModel(ANNOTATED), garbage));

        Path misfit = rewrite(contents, dir.resolve("misfit.bin"),
                "{\"weighting\":\"FIXED\",\"weights\":[1.0,1.0,1.0]}");
        ModelFileException doesNotFit = assertThrows(ModelFileException.class,
                () -> Trainer.load(StrategyTest.trunkModel(ANNOTATED), misfit));
        assertTrue(doesNotFit.getMessage().contains("3 weights for 2 branches"), doesNotFit.getMessage());
    }

    @Test
    void theEnginesAttachmentNameIsReserved(@TempDir Path dir) {
        Trainer trainer = Trainer.create(StrategyTest.trunkModel(ANNOTATED), options().build());
        assertThrows(IllegalArgumentException.class, () -> trainer.save(dir.resolve("x.bin"),
                Map.of(TrainingFile.WEIGHTING_ATTACHMENT, new byte[1])));
    }

    @Test
    void optionsCarryTheChoiceAndCanDropIt() {
        TrainingOptions chosen = TrainingOptions.builder().weighting(LossWeighting.dwa()).build();
        assertEquals(LossWeighting.dwa(2.0), chosen.weighting().orElseThrow());
        assertEquals(chosen.weighting(), chosen.toBuilder().build().weighting());
        assertTrue(chosen.toBuilder().annotatedWeighting().build().weighting().isEmpty());
        assertTrue(chosen.toString().contains("weighting=DWA(temperature=2.0)"), chosen.toString());
        assertEquals(Weighting.GRADNORM, LossWeighting.gradNorm().weighting());
        assertEquals("", LossWeighting.gradNorm().sharedLayer());
        assertEquals(1.5, LossWeighting.gradNorm().asymmetry());
        assertEquals(LossWeighting.trainable(0.5, 0, 1), LossWeighting.trainable());
    }

    private static Path rewrite(ModelFile.Contents contents, Path file, String record) throws IOException {
        Map<String, byte[]> attachments = new LinkedHashMap<>(contents.attachments());
        attachments.put(TrainingFile.WEIGHTING_ATTACHMENT, record.getBytes(StandardCharsets.UTF_8));
        ModelFile.write(file, new ModelFile.Contents(contents.modelName(), contents.seed(), contents.dataType(),
                contents.updaterJson(), contents.iteration(), contents.epoch(), contents.arrays(), attachments));
        return file;
    }

    private static void assertMessage(String expected, Executable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static void assertCreateFails(ModelSpec spec, LossWeighting choice, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.create(spec, options().weighting(choice).build()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(spec.modelName() + ": TrainingOptions.weighting "), e.getMessage());
    }

    /** Two heads straight on the input: nothing shared for GRADNORM to measure. */
    private static ModelSpec withoutShared() {
        return ModelSpec.builder("test.Apart")
                .input("x", 3)
                .branch("reg", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("bin", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(ANNOTATED)
                .graph(scope -> {
                    scope.output("reg", scope.layers("reg").dense(scope.input("x"), 1));
                    scope.output("bin", scope.layers("bin").dense(scope.input("x"), 2, Activation.SIGMOID));
                })
                .build();
    }

    private static ModelSpec threeBranches() {
        return ModelSpec.builder("test.Three")
                .input("x", 3)
                .branch("a", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("c", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1, 1, 1))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    var h = trunk.dense(scope.input("x"), 4, Activation.TANH);
                    for (String branch : List.of("a", "b", "c")) {
                        scope.output(branch, scope.layers(branch).dense(h, 1));
                    }
                })
                .build();
    }
}

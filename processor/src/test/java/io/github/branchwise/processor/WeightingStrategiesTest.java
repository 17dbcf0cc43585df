package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.runtime.training.Trainer;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One model per weighting strategy, compiled with the processor and trained through the generated API: the
 * annotation's settings reach the runtime's {@code WeightingSpec}. The runtime's own tests check the maths.
 */
final class WeightingStrategiesTest {
    /** Two branches over a trunk: {@code a} regression (MSE), {@code b} classification (BCE). */
    private static final String MODEL = """
            package strategies;

            import io.github.branchwise.annotations.Branch;
            import io.github.branchwise.annotations.BranchLoss;
            import io.github.branchwise.annotations.Convention;
            import io.github.branchwise.annotations.GradientSource;
            import io.github.branchwise.annotations.HeadGradients;
            import io.github.branchwise.annotations.Input;
            import io.github.branchwise.annotations.Loss;
            import io.github.branchwise.annotations.MgdaNormalization;
            import io.github.branchwise.annotations.PcGradOrder;
            import io.github.branchwise.annotations.Ramp;
            import io.github.branchwise.annotations.RampUnit;
            import io.github.branchwise.annotations.Shared;
            import io.github.branchwise.annotations.WeightedLoss;
            import io.github.branchwise.annotations.Weighting;
            import io.github.branchwise.runtime.Activation;
            import io.github.branchwise.runtime.Layers;
            import org.nd4j.autodiff.samediff.SDVariable;

            @WeightedLoss(%s)
            public abstract class %s {
                @Input(shape = 4)
                abstract SDVariable x();
            %s
                @Branch(shape = 1)
                @BranchLoss(Loss.MEAN_SQUARED_ERROR)
                SDVariable a(Layers nn) {
                    return nn.dense(%s, 1);
                }

                @Branch(shape = 1)
                @BranchLoss(Loss.BINARY_CROSSENTROPY)
                SDVariable b(Layers nn) {
                    return nn.dense(%s, 1, Activation.SIGMOID);
                }
            }
            """;

    /** A trunk and a neck over it: GRADNORM measures on the neck, the last one declared, unless told otherwise. */
    private static final String SHARED = """

                @Shared
                SDVariable trunk(Layers nn) {
                    return nn.dense(x(), 5, Activation.TANH);
                }

                @Shared
                SDVariable neck(Layers nn) {
                    return nn.dense(trunk(nn), 3, Activation.TANH);
                }

            """;

    private static final String SCHEDULE = """
            package strategies;

            import io.github.branchwise.runtime.weighting.WeightSchedule;

            /** Weights (1, step + 1). */
            public class StepSchedule implements WeightSchedule {
                @Override
                public double[] weights(long step, long epoch, int branches) {
                    return new double[] {1, step + 1};
                }
            }
            """;

    private static final String WEIGHTER = """
            package strategies;

            import io.github.branchwise.runtime.GraphHost;
            import io.github.branchwise.runtime.weighting.Weighter;
            import java.util.List;
            import org.nd4j.autodiff.samediff.SDVariable;

            /** total = 2·a + 3·b. */
            public class ConstantWeighter implements Weighter {
                @Override
                public SDVariable combine(GraphHost host, List<SDVariable> branchLosses) {
                    return branchLosses.get(0).mul(2.0).add(branchLosses.get(1).mul(3.0));
                }

                @Override
                public double[] weights() {
                    return new double[] {2, 3};
                }
            }
            """;

    private static GeneratedClassLoader loader;
    private static Compilation compilation;

    @BeforeAll
    static void compileOneModelPerStrategy() {
        List<JavaFileObject> sources = new ArrayList<>();
        sources.add(model("LinearRamp", "weighting = Weighting.SCHEDULED, weights = {1, 0}, endWeights = {0, 1}, "
                + "ramp = Ramp.LINEAR, rampLength = 4, rampUnit = RampUnit.STEP", false));
        sources.add(model("EpochRamp", "weighting = Weighting.SCHEDULED, weights = {1, 1}, endWeights = {0, 2}, "
                + "ramp = Ramp.STEP, rampLength = 1", false));
        sources.add(model("Scheduled", "weighting = Weighting.SCHEDULED, schedule = StepSchedule.class", false));
        sources.add(JavaFileObjects.forSourceString("strategies.StepSchedule", SCHEDULE));
        sources.add(model("Uncertainty", "weighting = Weighting.UNCERTAINTY", false));
        sources.add(model("Dwa", "weighting = Weighting.DWA, temperature = 4", false));
        sources.add(model("Rlw", "weighting = Weighting.RLW", false));
        sources.add(model("Gls", "weighting = Weighting.GLS", false));
        sources.add(model("GradNorm", "weighting = Weighting.GRADNORM", true));
        sources.add(model("GradNormTrunk",
                "weighting = Weighting.GRADNORM, asymmetry = 0.5, sharedLayer = \"trunk\"", true));
        sources.add(model("PcGrad", "weighting = Weighting.PCGRAD", true));
        sources.add(model("Mgda", "weighting = Weighting.MGDA", true));
        sources.add(model("MgdaUnshared", "weighting = Weighting.MGDA", false));
        sources.add(model("UncertaintyLibMtl", "weighting = Weighting.UNCERTAINTY, convention = Convention.LIBMTL",
                false));
        sources.add(model("DwaLibMtl", "weighting = Weighting.DWA, convention = Convention.LIBMTL", false));
        sources.add(model("GradNormLibMtl", "weighting = Weighting.GRADNORM, convention = Convention.LIBMTL", true));
        sources.add(model("PcGradAll", "weighting = Weighting.PCGRAD, pcGradOrder = PcGradOrder.ALL", true));
        sources.add(model("MgdaLibMtlL2", "weighting = Weighting.MGDA, convention = Convention.LIBMTL, "
                + "mgdaNormalization = MgdaNormalization.L2, headGradients = HeadGradients.WEIGHTED", true));
        sources.add(model("MgdaRepresentation", "weighting = Weighting.MGDA, convention = Convention.LIBMTL, "
                + "gradientSource = GradientSource.REPRESENTATION_BATCH_SUM", true));
        sources.add(model("CaGrad", "weighting = Weighting.CAGRAD", true));
        sources.add(model("CaGradWide", "weighting = Weighting.CAGRAD, caGradRadius = 0.8, caGradRescale = 2", true));
        sources.add(model("Stch", "weighting = Weighting.STCH, stchMu = 0.5, stchWarmupEpochs = 1", false));
        sources.add(model("Famo", "weighting = Weighting.FAMO, famoLearningRate = 0.5", false));
        sources.add(model("Imtl", "weighting = Weighting.IMTL", true));
        sources.add(model("ImtlLoss", "weighting = Weighting.IMTL, "
                + "imtlMode = io.github.branchwise.annotations.ImtlMode.LOSS", false));
        sources.add(model("ImtlRepresentation", "weighting = Weighting.IMTL, "
                + "imtlMode = io.github.branchwise.annotations.ImtlMode.GRADIENT, "
                + "gradientSource = GradientSource.REPRESENTATION_BATCH_SUM", true));
        sources.add(model("AlignedMtl", "weighting = Weighting.ALIGNED_MTL", true));
        sources.add(model("GradVac", "weighting = Weighting.GRADVAC, gradVacBeta = 0.5, "
                + "gradVacGroups = io.github.branchwise.annotations.GradVacGroups.PER_LAYER", true));
        sources.add(model("SdmGrad", "weighting = Weighting.SDMGRAD", true));
        sources.add(model("SdmGradTuned", "weighting = Weighting.SDMGRAD, sdmGradLambda = 1, sdmGradIterations = 5",
                true));
        sources.add(model("MoDo", "weighting = Weighting.MODO, modoGamma = 0.05, modoRho = 0.2", true));
        sources.add(model("UpGrad", "weighting = Weighting.UPGRAD", true));
        sources.add(model("NashMtl", "weighting = Weighting.NASH_MTL", true));
        sources.add(model("NashMtlSet", "weighting = Weighting.NASH_MTL, nashMtlMaxNorm = 0, nashMtlUpdateEvery = 2",
                true));
        sources.add(model("FairGrad", "weighting = Weighting.FAIRGRAD, fairGradAlpha = 2", true));
        sources.add(model("GradDrop", "weighting = Weighting.GRADDROP, gradDropLeak = 0.25", true));
        sources.add(model("DbMtl", "weighting = Weighting.DB_MTL", true));
        sources.add(model("Moco", "weighting = Weighting.MOCO, mocoGamma = 0.5, mocoRho = 0.1", true));
        sources.add(model("ExcessMtl", "weighting = Weighting.EXCESS_MTL, excessMtlStepSize = 0.5", true));
        sources.add(model("Custom", "weighting = Weighting.CUSTOM, strategy = ConstantWeighter.class", false));
        sources.add(JavaFileObjects.forSourceString("strategies.ConstantWeighter", WEIGHTER));
        compilation = Compilations.javac().compile(sources);
        assertThat(compilation).succeeded();
        loader = new GeneratedClassLoader(compilation);
    }

    @Test
    void theOnlyWarningIsTheGradientStrategyWithoutSharedParameters() {
        List<String> warnings = compilation.warnings().stream()
                .map(w -> w.getSource().getName().replaceAll(".*/", "") + ": " + w.getMessage(Locale.ROOT))
                .toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("MgdaUnshared.java: [NoSharedParameters] MGDA weighting"),
                warnings.toString());
        assertEquals(Diagnostic.Kind.WARNING, compilation.warnings().get(0).getKind());
    }

    @Test
    void rampFromTheAnnotationSetsTheWeightsOfEveryStep() throws Exception {
        Object model = create("LinearRamp");
        assertEquals("SCHEDULED(LINEAR [1.0, 0.0] -> [0.0, 1.0] over 4 STEP)", description(model));
        Object batch = batch("LinearRamp");
        call(model, "fit", batch);
        assertArrayEquals(new double[] {1, 0}, weights(model), 1e-9, "step 0");
        call(model, "fit", batch);
        assertArrayEquals(new double[] {0.75, 0.25}, weights(model), 1e-9, "step 1");
        Object losses = call(model, "fit", batch);
        assertArrayEquals(new double[] {0.5, 0.5}, weights(model), 1e-9, "step 2");
        assertEquals(0.5 * component(losses, "a") + 0.5 * component(losses, "b"), component(losses, "total"), 1e-5);
    }

    @Test
    void epochRampMovesWithTheGeneratedEndEpoch() throws Exception {
        Object model = create("EpochRamp");
        assertEquals("SCHEDULED(STEP [1.0, 1.0] -> [0.0, 2.0] over 1 EPOCH)", description(model));
        Object batch = batch("EpochRamp");
        call(model, "fit", batch);
        assertArrayEquals(new double[] {1, 1}, weights(model), 1e-9, "epoch 0");
        call(model, "endEpoch");
        assertEquals(1L, call(model, "epoch"));
        call(model, "fit", batch);
        assertArrayEquals(new double[] {0, 2}, weights(model), 1e-9, "epoch 1");
    }

    @Test
    void scheduleClassIsInstantiatedAndFollowed() throws Exception {
        Object model = create("Scheduled");
        assertEquals("SCHEDULED(custom)", description(model));
        Object batch = batch("Scheduled");
        for (int i = 0; i < 3; i++) {
            call(model, "fit", batch);
        }
        assertArrayEquals(new double[] {1, 3}, weights(model), 1e-9, "StepSchedule at step 2");
    }

    @Test
    void uncertaintyStartsAtHalfForRegressionAndOneForClassification() throws Exception {
        Object model = create("Uncertainty");
        assertEquals("UNCERTAINTY", description(model));
        assertArrayEquals(new double[] {0.5, 1.0}, weights(model), 1e-9, "s = 0: ½ for MSE, 1 for BCE");
        assertFinite(call(model, "fit", batch("Uncertainty")));
        assertNotEquals(0.5, weights(model)[0], "the log-variances train");
    }

    @Test
    void dwaUsesTheAnnotatedTemperatureAndEpochs() throws Exception {
        Object model = create("Dwa");
        assertEquals("DWA(T=4.0)", description(model));
        Object batch = batch("Dwa");
        for (int epoch = 0; epoch < 3; epoch++) {
            assertFinite(call(model, "fit", batch));
            if (epoch < 2) {
                assertArrayEquals(new double[] {1, 1}, weights(model), 1e-9, "λ = 1 in the first two epochs");
            }
            call(model, "endEpoch");
        }
        double[] weights = weights(model);
        assertEquals(2.0, weights[0] + weights[1], 1e-9, "λ sums to K after the first two epochs");
    }

    @Test
    void rlwDrawsNewSoftmaxWeightsEveryStep() throws Exception {
        Object model = create("Rlw");
        assertEquals("RLW", description(model));
        Object batch = batch("Rlw");
        call(model, "fit", batch);
        double[] first = weights(model);
        call(model, "fit", batch);
        double[] second = weights(model);
        assertEquals(1.0, first[0] + first[1], 1e-6);
        assertEquals(1.0, second[0] + second[1], 1e-6);
        assertNotEquals(first[0], second[0]);
    }

    @Test
    void glsTrainsOnTheGeometricMean() throws Exception {
        Object model = create("Gls");
        assertEquals("GLS", description(model));
        Object losses = call(model, "fit", batch("Gls"));
        assertFinite(losses);
        assertEquals(Math.sqrt(component(losses, "a") * component(losses, "b")), component(losses, "total"), 1e-5);
    }

    @Test
    void gradNormMeasuresOnTheLastSharedMethodOrTheNamedOne() throws Exception {
        Object last = create("GradNorm");
        assertEquals("GRADNORM(a=1.5, layer=neck)", description(last));
        Object named = create("GradNormTrunk");
        assertEquals("GRADNORM(a=0.5, layer=trunk)", description(named));
        for (Object model : List.of(last, named)) {
            Object batch = batch(model.getClass().getSimpleName().replace("TrainingModel", ""));
            for (int i = 0; i < 3; i++) {
                assertFinite(call(model, "fit", batch));
            }
            double[] weights = weights(model);
            assertEquals(2.0, weights[0] + weights[1], 1e-5, "renormalised to sum to K");
        }
    }

    @Test
    void pcGradAndMgdaTrainWithOrWithoutSharedParameters() throws Exception {
        Object pcGrad = create("PcGrad");
        assertEquals("PCGRAD", description(pcGrad));
        assertFinite(call(pcGrad, "fit", batch("PcGrad")));
        assertArrayEquals(new double[] {1, 1}, weights(pcGrad), 1e-9);
        for (String name : List.of("Mgda", "MgdaUnshared")) {
            Object mgda = create(name);
            assertEquals("MGDA", description(mgda));
            assertFinite(call(mgda, "fit", batch(name)));
            double[] weights = weights(mgda);
            assertEquals(1.0, weights[0] + weights[1], 1e-6, name + ": a point of the simplex");
        }
    }

    @Test
    void caGradTakesThePaperDefaultsOrTheAnnotatedRadiusAndRescale() throws Exception {
        Object defaults = create("CaGrad");
        assertEquals("CAGRAD", description(defaults));
        Object wide = create("CaGradWide");
        assertEquals("CAGRAD(c=0.8, rescale 2)", description(wide));
        for (Object model : List.of(defaults, wide)) {
            Object batch = batch(model.getClass().getSimpleName().replace("TrainingModel", ""));
            for (int i = 0; i < 3; i++) {
                assertFinite(call(model, "fit", batch));
            }
        }
    }

    @Test
    void stchWarmsUpForTheAnnotatedEpochsThenTrainsOnTheSmoothMaximum() throws Exception {
        Object model = create("Stch");
        assertEquals("STCH(mu=0.5, warmupEpochs=1)", description(model));
        Object batch = batch("Stch");
        double[] nadir = null;
        for (int epoch = 0; epoch < 4; epoch++) {
            Object losses = call(model, "fit", batch);
            assertFinite(losses);
            double a = component(losses, "a");
            double b = component(losses, "b");
            if (epoch <= 1) {
                assertEquals(Math.log(a) + Math.log(b), component(losses, "total"), 1e-5, "warm-up, epoch " + epoch);
                nadir = new double[] {a, b};
            } else {
                // Epoch 1 (one step) measured the nadir: K·μ·log Σ exp(log(Lᵢ/nᵢ)/μ), K = 2, μ = 0.5.
                double expected = 2 * 0.5 * Math.log(Math.exp(Math.log(a / nadir[0]) / 0.5)
                        + Math.exp(Math.log(b / nadir[1]) / 0.5));
                assertEquals(expected, component(losses, "total"), 1e-5, "epoch " + epoch);
            }
            call(model, "endEpoch");
        }
    }

    @Test
    void theConventionPresetSetsWhatItsStrategyReadsAndExplicitAttributesWin() throws Exception {
        Object uncertainty = create("UncertaintyLibMtl");
        assertEquals("UNCERTAINTY(c=HALF, s0=-0.5)", description(uncertainty));
        double start = 0.5 * Math.exp(0.5);
        assertArrayEquals(new double[] {start, start}, weights(uncertainty), 1e-9, "½·exp(0.5) for MSE and BCE alike");
        assertEquals("DWA(T=2.0, PER_EXAMPLE)", description(create("DwaLibMtl")));
        Object gradNorm = create("GradNormLibMtl");
        assertEquals("GRADNORM(a=1.5, heads PLAIN, warm-up FIRST_EPOCH PER_EXAMPLE, on ALL_SHARED)",
                description(gradNorm));
        assertFinite(call(gradNorm, "fit", batch("GradNormLibMtl")));
        assertArrayEquals(new double[] {1, 1}, weights(gradNorm), 0.0, "equal weights through the first epoch");
        Object pcGrad = create("PcGradAll");
        assertEquals("PCGRAD(ALL)", description(pcGrad));
        assertFinite(call(pcGrad, "fit", batch("PcGradAll")));
        Object mgda = create("MgdaLibMtlL2");
        assertEquals("MGDA(LIBMTL, L2, heads WEIGHTED)", description(mgda));
        assertFinite(call(mgda, "fit", batch("MgdaLibMtlL2")));
        // The generated code registers the neck's output (the last @Shared method) as the representation.
        Object representation = create("MgdaRepresentation");
        assertEquals("MGDA(LIBMTL, NONE, heads PLAIN, from REPRESENTATION_BATCH_SUM)", description(representation));
        assertFinite(call(representation, "fit", batch("MgdaRepresentation")));
        double[] alpha = weights(representation);
        assertEquals(1.0, alpha[0] + alpha[1], 1e-9);
    }

    @Test
    void famoTrainsOnTheScaledLogLossesAndMovesItsWeights() throws Exception {
        Object model = create("Famo");
        assertEquals("FAMO(lr=0.5, decay=0.001)", description(model));
        Object batch = batch("Famo");
        Object losses = call(model, "fit", batch);
        assertFinite(losses);
        // First step: z = (½, ½), so the total is Σ ½·log Lᵢ / Σ ½/Lᵢ and the weights are (1/Lᵢ) / Σ 1/Lⱼ.
        double a = component(losses, "a");
        double b = component(losses, "b");
        assertEquals((Math.log(a) + Math.log(b)) / (1 / a + 1 / b), component(losses, "total"), 1e-4);
        assertArrayEquals(new double[] {(1 / a) / (1 / a + 1 / b), (1 / b) / (1 / a + 1 / b)}, weights(model),
                1e-5);
        Object second = call(model, "fit", batch);
        assertFinite(second);
        double[] w = weights(model);
        assertEquals(1.0, w[0] + w[1], 1e-6, "the effective weights sum to one");
        double a2 = component(second, "a");
        double b2 = component(second, "b");
        assertNotEquals((1 / a2) / (1 / a2 + 1 / b2), w[0], 1e-6, "the logits moved after the first step");
    }

    /** The batch of 8 rows is split into 3 + 3 + 2 for the three gradient samples. */
    @Test
    void sdmGradAndMoDoTakeTheAnnotatedSettingsAndTrainOnThreeSamples() throws Exception {
        assertEquals("SDMGRAD(lambda=0.3, iterations=20)", description(create("SdmGrad")));
        assertEquals("SDMGRAD(lambda=1.0, iterations=5)", description(create("SdmGradTuned")));
        assertEquals("MODO(gamma=0.05, rho=0.2)", description(create("MoDo")));
        for (String name : List.of("SdmGrad", "SdmGradTuned", "MoDo")) {
            Object model = create(name);
            Object batch = batch(name);
            for (int i = 0; i < 3; i++) {
                Object losses = call(model, "fit", batch);
                assertFinite(losses);
                double[] w = weights(model);
                assertEquals(1.0, w[0] + w[1], 1e-9, name + ": the shared update's coefficients sum to one");
                // Reported: the weights times the mean of the parts' losses.
                assertEquals(w[0] * component(losses, "a") + w[1] * component(losses, "b"),
                        component(losses, "total"), 1e-6, name);
            }
        }
        Object modo = create("MoDo");
        call(modo, "fit", batch("MoDo"));
        assertNotEquals(0.5, weights(modo)[0], 1e-6, "λ moved from uniform");
    }

    @Test
    void imtlTrainsInEachModeFromTheAnnotation() throws Exception {
        Object hybrid = create("Imtl");
        assertEquals("IMTL", description(hybrid));
        assertArrayEquals(new double[] {0.5, 0.5}, weights(hybrid), 0.0, "α = 1/K and exp(0) before the first step");
        Object batch = batch("Imtl");
        for (int i = 0; i < 3; i++) {
            assertFinite(call(hybrid, "fit", batch));
        }
        Object loss = create("ImtlLoss");
        assertEquals("IMTL(LOSS)", description(loss));
        Object losses = call(loss, "fit", batch("ImtlLoss"));
        // s starts at 0: total = Σ exp(0)·Lᵢ - 0.
        assertEquals(component(losses, "a") + component(losses, "b"), component(losses, "total"), 1e-5);
        double[] scales = weights(loss);
        assertTrue(scales[0] != 1 && scales[1] != 1, "s trained: " + java.util.Arrays.toString(scales));
        Object representation = create("ImtlRepresentation");
        assertEquals("IMTL(GRADIENT, from REPRESENTATION_BATCH_SUM)", description(representation));
        assertFinite(call(representation, "fit", batch("ImtlRepresentation")));
        double[] alpha = weights(representation);
        assertEquals(1.0, alpha[0] + alpha[1], 1e-9, "IMTL-G's α sums to one");
    }

    @Test
    void alignedMtlAndGradVacTrainFromTheAnnotation() throws Exception {
        Object aligned = create("AlignedMtl");
        assertEquals("ALIGNED_MTL", description(aligned));
        Object gradVac = create("GradVac");
        assertEquals("GRADVAC(beta=0.5, PER_LAYER)", description(gradVac));
        for (Object model : List.of(aligned, gradVac)) {
            Object batch = batch(model.getClass().getSimpleName().replace("TrainingModel", ""));
            for (int i = 0; i < 3; i++) {
                assertFinite(call(model, "fit", batch));
            }
        }
        for (double w : weights(aligned)) {
            assertTrue(w > 0, "two gradients of full rank: both α positive");
        }
        assertArrayEquals(new double[] {1, 1}, weights(gradVac), 0.0, "the network trains on the plain sum");
    }

    @Test
    void upGradNashMtlAndFairGradTrainWithTheirAnnotatedSettings() throws Exception {
        Object upGrad = create("UpGrad");
        assertEquals("UPGRAD", description(upGrad));
        Object nash = create("NashMtl");
        assertEquals("NASH_MTL", description(nash));
        Object nashSet = create("NashMtlSet");
        assertEquals("NASH_MTL(maxNorm=0.0, updateEvery 2)", description(nashSet));
        Object fairGrad = create("FairGrad");
        assertEquals("FAIRGRAD(alpha=2.0)", description(fairGrad));
        for (Object model : List.of(upGrad, nash, nashSet, fairGrad)) {
            String name = model.getClass().getSimpleName().replace("TrainingModel", "");
            Object batch = batch(name);
            double[] first = null;
            for (int i = 0; i < 3; i++) {
                assertFinite(call(model, "fit", batch));
                double[] w = weights(model);
                for (double value : w) {
                    assertTrue(value > 0 && Double.isFinite(value), name + ": " + Arrays.toString(w));
                }
                if (i == 0) {
                    first = w;
                } else if (i == 1 && model == nashSet) {
                    assertArrayEquals(first, w, 0.0, "solved at step 0, reused at step 1");
                }
            }
        }
    }

    @Test
    void elementwiseGradientStrategiesTrainWithTheAnnotatedSettings() throws Exception {
        Object gradDrop = create("GradDrop");
        assertEquals("GRADDROP(leak=0.25)", description(gradDrop));
        Object dbMtl = create("DbMtl");
        assertEquals("DB_MTL(beta=0.9, sigma=0.0)", description(dbMtl));
        Object moco = create("Moco");
        assertEquals("MOCO(beta=0.5, betaSigma=0.5, gamma=0.5, gammaSigma=0.5, rho=0.1)", description(moco));
        Object excess = create("ExcessMtl");
        assertEquals("EXCESS_MTL(stepSize=0.5)", description(excess));
        for (int i = 0; i < 3; i++) {
            assertFinite(call(gradDrop, "fit", batch("GradDrop")));
            assertFinite(call(dbMtl, "fit", batch("DbMtl")));
            assertFinite(call(moco, "fit", batch("Moco")));
            assertFinite(call(excess, "fit", batch("ExcessMtl")));
        }
        // GradDrop weighs every loss by 1; DB-MTL scales the largest average gradient by 1 (the others by more);
        // MoCo's λ is a point of the simplex that moved from (½, ½); ExcessMTL's weights sum to K and moved from 1.
        assertArrayEquals(new double[] {1, 1}, weights(gradDrop), 0);
        double[] alpha = weights(dbMtl);
        assertEquals(1.0, Math.min(alpha[0], alpha[1]), 1e-6);
        assertTrue(Math.max(alpha[0], alpha[1]) >= 1);
        double[] lambda = weights(moco);
        assertEquals(1.0, lambda[0] + lambda[1], 1e-9);
        assertNotEquals(0.5, lambda[0], 1e-9);
        double[] w = weights(excess);
        assertEquals(2.0, w[0] + w[1], 1e-9);
        assertNotEquals(1.0, w[0], 1e-9);
    }

    @Test
    void customStrategyIsInstantiatedFromTheAnnotation() throws Exception {
        Object model = create("Custom");
        assertEquals("CUSTOM", description(model));
        Object losses = call(model, "fit", batch("Custom"));
        assertEquals(2 * component(losses, "a") + 3 * component(losses, "b"), component(losses, "total"), 1e-5);
        assertArrayEquals(new double[] {2, 3}, weights(model), 1e-12);
    }

    private static JavaFileObject model(String name, String weighting, boolean shared) {
        String input = shared ? "neck(nn)" : "x()";
        return JavaFileObjects.forSourceString("strategies." + name,
                String.format(Locale.ROOT, MODEL, weighting, name, shared ? SHARED : "\n", input, input));
    }

    private static Object create(String model) throws Exception {
        return loader.loadClass("strategies." + model + "TrainingModel").getMethod("create").invoke(null);
    }

    /** Eight examples: random inputs, regression targets, binary targets. */
    private static Object batch(String model) throws Exception {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 4);
        INDArray a = Nd4j.rand(DataType.FLOAT, 8, 1);
        INDArray b = Nd4j.rand(DataType.FLOAT, 8, 1).gt(0.5).castTo(DataType.FLOAT);
        return loader.loadClass("strategies." + model + "Batch")
                .getConstructor(INDArray.class, INDArray.class, INDArray.class).newInstance(x, a, b);
    }

    private static String description(Object model) throws Exception {
        return ((Trainer) call(model, "trainer")).spec().weighting().toString();
    }

    private static double[] weights(Object model) throws Exception {
        Object weights = call(model, "weights");
        return new double[] {component(weights, "a"), component(weights, "b")};
    }

    private static Object call(Object target, String method, Object... args) throws Exception {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                return m.invoke(target, args);
            }
        }
        throw new NoSuchMethodException(method);
    }

    private static double component(Object record, String name) throws Exception {
        return (double) record.getClass().getMethod(name).invoke(record);
    }

    private static void assertFinite(Object losses) throws Exception {
        for (String name : List.of("total", "a", "b")) {
            assertTrue(Double.isFinite(component(losses, name)), name);
        }
    }
}

package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.Shapes;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The compiled executor against the SameDiff-session reference: the same losses and gradients (1e-5 relative to
 * each array's largest magnitude) for every layer, activation, built-in loss, weighting, several inputs, a shared
 * trunk and changing batch sizes, and the same losses over a whole training run.
 *
 * <p>Each executor gets its own graph built from the same spec and seed (SameDiff's sessions mutate op objects,
 * so the two must not share one graph).
 */
class CompiledExecutorTest {
    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("detector, trainable", TestModels.detector()),
                Arguments.of("detector, fixed", TestModels.detector(WeightingSpec.fixed(0.3, 0.7))),
                Arguments.of("two inputs, trainable", TestModels.twoInputs(WeightingSpec.trainable(0.4, 0.1, 0.9))),
                Arguments.of("two inputs, fixed", TestModels.twoInputs(WeightingSpec.fixed(1.0, 2.0))),
                Arguments.of("conv trunk, trainable 3", convTrunk(WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("conv trunk, fixed 3", convTrunk(WeightingSpec.fixed(0.2, 0.5, 0.3))),
                Arguments.of("every activation, fixed", activations(WeightingSpec.fixed(1, 1, 1, 1, 1, 1, 1))),
                Arguments.of("every activation, trainable",
                        activations(WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("every loss, fixed", losses(WeightingSpec.fixed(1, 2, 3, 4, 5, 6, 7))),
                Arguments.of("every loss, trainable", losses(WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("embedding, lstm, gru, fixed", SequenceModels.recurrent(WeightingSpec.fixed(0.4, 0.6))),
                Arguments.of("embedding, lstm, gru, trainable",
                        SequenceModels.recurrent(WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("attention, mask, fixed", SequenceModels.attention(WeightingSpec.fixed(1.0, 2.0))),
                Arguments.of("attention, mask, trainable",
                        SequenceModels.attention(WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("MMoE, trainable", ArchitectureModels.mmoe(WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("CGC, fixed", ArchitectureModels.cgc(WeightingSpec.fixed(0.7, 1.3))),
                Arguments.of("PLE, fixed", ArchitectureModels.ple(WeightingSpec.fixed(1.0, 0.5))),
                Arguments.of("cross-stitch, trainable",
                        ArchitectureModels.crossStitch(false, WeightingSpec.trainable(0.5, 0.0, 1.0))),
                Arguments.of("cross-stitch per channel, fixed",
                        ArchitectureModels.crossStitch(true, WeightingSpec.fixed(0.6, 0.4))),
                Arguments.of("MTAN attention modules, fixed", ArchitectureModels.mtan(WeightingSpec.fixed(1.0, 0.5))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sameLossesAndGradientsInDouble(String name, ModelSpec spec) {
        compare(spec, DataType.DOUBLE, 5, 3, 5, 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sameLossesAndGradientsInFloat(String name, ModelSpec spec) {
        compare(spec, DataType.FLOAT, 4, 2);
    }

    @ParameterizedTest
    @EnumSource(value = Padding.class)
    void convolutionPaddingsAndStrides(Padding padding) {
        for (int stride = 1; stride <= 2; stride++) {
            int s = stride;
            ModelSpec spec = ModelSpec.builder("test.Conv" + padding + s)
                    .input("image", 7, 6, 2)
                    .branch("map", new long[] {padding == Padding.SAME ? (7 + s - 1) / s : (7 - 3) / s + 1,
                            padding == Padding.SAME ? (6 + s - 1) / s : (6 - 3) / s + 1, 3},
                            Loss.MEAN_SQUARED_ERROR, 1.0)
                    .branch("pooled", new long[] {2}, Loss.MEAN_ABSOLUTE_ERROR, 1.0)
                    .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                    .graph(scope -> {
                        Layers nn = scope.layers("trunk");
                        SDVariable map = nn.conv2d(scope.input("image"), 3, 3, s, padding, Activation.TANH);
                        scope.output("map", map);
                        Layers head = scope.layers("pooled");
                        SDVariable pooled = head.maxPool2d(map, 2, 1, padding);
                        scope.output("pooled", head.dense(head.flatten(pooled), 2, Activation.IDENTITY));
                    })
                    .build();
            compare(spec, DataType.DOUBLE, 3, 2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Padding.class)
    void convolutionWeightGradientFromPatchesAndOneGemm(Padding padding) {
        // The conv2d_bp rewrite (input gradient unused): strides, dilations, one and several filters, with and
        // without bias, batches up to 40 so the column sums run over many rows.
        for (int stride = 1; stride <= 2; stride++) {
            for (int dilation = 1; dilation <= 2; dilation++) {
                for (int filters : new int[] {1, 3}) {
                    for (boolean bias : new boolean[] {true, false}) {
                        ModelSpec spec = rawConvolution(padding, stride, dilation, filters, bias);
                        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                            List<PlanStep> plan = compare(spec, type, 40, 1, 3).trainingPlan();
                            assertEquals(1, count(plan, PlanStep.Kind.CONV2D_BP_SHARED_PATCHES),
                                    spec.modelName() + "\n" + text(plan));
                            assertEquals(1, count(plan, PlanStep.Kind.CONV2D_SHARED_PATCHES),
                                    spec.modelName() + "\n" + text(plan));
                        }
                    }
                }
            }
        }
    }

    @Test
    void convolutionBackwardWritesItsOwnPatchesWhenTheForwardRewriteIsOff() {
        PlanSwitch.disable(PlanSwitch.CONV2D);
        try {
            for (Padding padding : Padding.values()) {
                ModelSpec spec = rawConvolution(padding, 2, 2, 3, true);
                for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                    List<PlanStep> plan = compare(spec, type, 7, 2).trainingPlan();
                    assertEquals(1, count(plan, PlanStep.Kind.CONV2D_BP_OWN_PATCHES), text(plan));
                    assertEquals(1, countOp(plan, "conv2d"), text(plan));
                }
            }
        } finally {
            PlanSwitch.disable();
        }
    }

    @Test
    void convolutionRewriteOnlyWhereTheInputGradientIsUnused() {
        ModelSpec spec = convTrunk(WeightingSpec.fixed(0.2, 0.5, 0.3));
        List<PlanStep> plan = compare(spec, DataType.DOUBLE, 5).trainingPlan();
        // The first convolution reads the image placeholder; the second and the mask head need their input's
        // gradient and keep conv2d_bp.
        assertEquals(1, count(plan, PlanStep.Kind.CONV2D_BP_SHARED_PATCHES), text(plan));
        assertEquals(1, count(plan, PlanStep.Kind.CONV2D_SHARED_PATCHES, PlanStep.Kind.CONV2D_FORWARD_ONLY),
                text(plan));
        assertEquals(2, countOp(plan, "conv2d_bp"), text(plan));
        // Freezing the first convolution drops its backward op and leaves the second one's input gradient unread:
        // the second is rewritten, over a computed (not placeholder) input; the mask head still feeds the second.
        java.util.Set<String> trainable = new java.util.LinkedHashSet<>(
                NetworkBuilder.build(spec, 7, DataType.DOUBLE).parameters().keySet());
        trainable.removeIf(name -> name.startsWith("trunk/conv2d_0/"));
        List<PlanStep> frozen = compare(spec, DataType.DOUBLE, trainable, 5, 2).trainingPlan();
        assertEquals(1, count(frozen, PlanStep.Kind.CONV2D_BP_SHARED_PATCHES), text(frozen));
        assertEquals(1, countOp(frozen, "conv2d_bp"), text(frozen));
        // The frozen first convolution's backward op is not in the plan at all.
        assertEquals(2, frozen.stream().filter(step -> step.op().equals("conv2d_bp")).count(), text(frozen));
        assertFalse(frozen.stream().anyMatch(step -> step.name().equals("conv2d_bp_2")), text(frozen));
        compare(spec, DataType.FLOAT, trainable, 4);
    }

    @ParameterizedTest
    @EnumSource(value = Padding.class)
    void predictionAndLossPlansRunTheForwardConvolutionAsPatchesAndOneGemm(Padding padding) {
        // Without a backward to share patches with: strides, dilations, one and several filters, with and without
        // bias, FLOAT and DOUBLE; 64 examples make every patch matrix large enough for the rewrite.
        for (int stride = 1; stride <= 2; stride++) {
            for (int dilation = 1; dilation <= 2; dilation++) {
                for (int filters : new int[] {1, 3}) {
                    for (boolean bias : new boolean[] {true, false}) {
                        ModelSpec spec = rawConvolution(padding, stride, dilation, filters, bias);
                        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                            CompiledExecutor executor = compare(spec, type, 64);
                            List<PlanStep> predict = executor.predictionPlan();
                            assertEquals(1, count(predict, PlanStep.Kind.CONV2D_FORWARD_ONLY),
                                    spec.modelName() + " " + type + "\n" + text(predict));
                            List<PlanStep> losses = executor.lossPlan();
                            assertEquals(1, count(losses, PlanStep.Kind.CONV2D_FORWARD_ONLY),
                                    spec.modelName() + " " + type + "\n" + text(losses));
                        }
                    }
                }
            }
        }
    }

    @Test
    void predictionKeepsConv2dForManyFiltersSmallPatchMatricesAndWhenSwitchedOff() {
        ModelSpec spec = rawConvolution(Padding.SAME, 1, 1, 3, true);
        List<PlanStep> many = compare(rawConvolution(Padding.SAME, 1, 1, 5, true), DataType.FLOAT, 64)
                .predictionPlan();
        assertEquals(1, countOp(many, "conv2d"), text(many));
        assertEquals(0, count(many, CONV2D_REWRITES), text(many));
        // 3 examples: 3·9·8 patch rows of 18 values, below the size where the rewrite wins.
        assertTrue(3 * 9 * 8 * 18 < ConvForwardRewrite.MIN_FORWARD_PATCH_VALUES);
        List<PlanStep> small = compare(spec, DataType.FLOAT, 3).predictionPlan();
        assertEquals(1, countOp(small, "conv2d"), text(small));
        assertEquals(0, count(small, CONV2D_REWRITES), text(small));
        PlanSwitch.disable(PlanSwitch.CONV2D_FORWARD);
        try {
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                CompiledExecutor executor = compare(spec, type, 64);
                List<PlanStep> predict = executor.predictionPlan();
                assertEquals(1, countOp(predict, "conv2d"), text(predict));
                assertEquals(0, count(predict, CONV2D_REWRITES), text(predict));
                // The training plan's forward still shares its patches with the rewritten backward.
                List<PlanStep> train = executor.trainingPlan();
                assertEquals(1, count(train, PlanStep.Kind.CONV2D_SHARED_PATCHES), text(train));
            }
        } finally {
            PlanSwitch.disable();
        }
    }

    @Test
    void convTrunkPredictionsWithEveryForwardConvolutionRewritten() {
        // The first (4 filters) and the mask head's (1 filter, over a computed input) run as patches + GEMM; the
        // second has 6 filters, more than the rewrite takes, and keeps conv2d.
        ModelSpec spec = convTrunk(WeightingSpec.fixed(0.2, 0.5, 0.3));
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            List<PlanStep> predict = compare(spec, type, 200).predictionPlan();
            assertEquals(2, count(predict, PlanStep.Kind.CONV2D_FORWARD_ONLY), text(predict));
            assertEquals(1, countOp(predict, "conv2d"), text(predict));
        }
    }

    @Test
    void detectorConvolutionIsRewritten() {
        List<PlanStep> plan = compare(TestModels.detector(), DataType.FLOAT, 64, 7).trainingPlan();
        assertEquals(1, count(plan, PlanStep.Kind.CONV2D_BP_SHARED_PATCHES), text(plan));
        assertEquals(1, count(plan, PlanStep.Kind.CONV2D_SHARED_PATCHES), text(plan));
        assertEquals(0, countOp(plan, "conv2d_bp") + countOp(plan, "conv2d"), text(plan));
    }

    @Test
    void fusedCrossEntropiesMatchTheGraphIncludingClippedPredictions() {
        // Saturating logits (gain 60) in DOUBLE; in FLOAT a saturated softmax's gradient is mostly cancellation
        // error in both paths (see fusedGradientsOfSaturatedFloatSoftmaxAreCloserToTheDoubleResult), so FLOAT runs
        // with gain 1.
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            ModelSpec spec = fusedLosses(type == DataType.DOUBLE ? 60 : 1);
            List<PlanStep> plan = compare(spec, type, 6, 1, 9).trainingPlan();
            // Six fusible branches, each fused forward and backward; "shared" is also read by another branch.
            assertEquals(6, count(plan, PlanStep.Kind.FUSED_LOSS), text(plan));
            assertEquals(6, count(plan, FUSED_GRADIENTS), text(plan));
            assertFalse(plan.stream().anyMatch(step -> step.name().contains("prediction/shared")), text(plan));
        }
        // The models of the other tests: every built-in loss and the detector, fused where the graph allows.
        List<PlanStep> losses = compare(losses(WeightingSpec.fixed(1, 2, 3, 4, 5, 6, 7)), DataType.FLOAT, 5)
                .trainingPlan();
        assertEquals(4, count(losses, FUSED_GRADIENTS), text(losses));
    }

    @Test
    void fusedGradientsOfSaturatedFloatSoftmaxAreCloserToTheDoubleResult() {
        // With saturated softmax outputs in FLOAT, p·(u − Σ u·p) cancels almost completely: SameDiff's op-by-op FLOAT
        // result and the fused one (sums in double) both differ from the DOUBLE result by more than 1e-5 of the
        // array's scale; the fused one must be at least as close.
        ModelSpec spec = fusedLosses(60);
        Network truthNetwork = NetworkBuilder.build(spec, 7, DataType.DOUBLE);
        Network graphNetwork = NetworkBuilder.build(spec, 7, DataType.FLOAT);
        Network fusedNetwork = NetworkBuilder.build(spec, 7, DataType.FLOAT);
        INDArray[][] data = batch(spec, DataType.DOUBLE, 9, new Random(3));
        INDArray[][] single = {castAll(data[0]), castAll(data[1])};
        Map<String, INDArray> truth = new SameDiffExecutor(truthNetwork).forwardBackward(data[0], data[1])
                .gradients();
        Map<String, INDArray> graph = new SameDiffExecutor(graphNetwork).forwardBackward(single[0], single[1])
                .gradients();
        Map<String, INDArray> fused = new CompiledExecutor(fusedNetwork).forwardBackward(single[0], single[1])
                .gradients();
        for (String parameter : truth.keySet()) {
            INDArray t = truth.get(parameter);
            double graphError = t.sub(graph.get(parameter).castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            double fusedError = t.sub(fused.get(parameter).castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            double scale = Math.max(1e-3, t.amaxNumber().doubleValue());
            assertTrue(fusedError <= Math.max(1.5 * graphError, 2e-6 * scale), parameter + ": fused error "
                    + fusedError + ", SameDiff's " + graphError + " (scale " + scale + ")");
        }
    }

    private static INDArray[] castAll(INDArray[] arrays) {
        INDArray[] cast = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            cast[i] = arrays[i].castTo(DataType.FLOAT);
        }
        return cast;
    }

    @Test
    void fusedBinaryCrossEntropyWithBinaryTargetsAndEachPartSwitchedOff() {
        // Binary targets take the one-log-a-value path of the native logs, fractional ones (compare's data) the
        // two-log path; each part also runs switched off (Java logs; the batch mean and reduce_mean_bp as ops).
        for (PlanSwitch[] off : new PlanSwitch[][] {{}, {PlanSwitch.NATIVE_LOG}, {PlanSwitch.FUSED_MEAN},
                {PlanSwitch.NATIVE_LOG, PlanSwitch.FUSED_MEAN}}) {
            PlanSwitch.disable(off);
            try {
                for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                    ModelSpec spec = TestModels.detector(WeightingSpec.fixed(0.3, 0.7));
                    SameDiffExecutor reference = new SameDiffExecutor(NetworkBuilder.build(spec, 7, type));
                    CompiledExecutor compiled = new CompiledExecutor(NetworkBuilder.build(spec, 7, type));
                    for (int batch : new int[] {64, 3}) {
                        INDArray[][] data = batch(spec, type, batch, new Random(batch));
                        for (INDArray target : data[1]) {
                            Transforms.round(target, false);
                        }
                        // One fractional target among the binary ones: the two-log path for that value only.
                        data[1][0].putScalar(1, 0.25);
                        String where = Arrays.toString(off) + " " + type + " batch " + batch;
                        StepExecutor.PassResult expected = reference.forwardBackward(data[0], data[1]);
                        StepExecutor.PassResult actual = compiled.forwardBackward(data[0], data[1]);
                        assertClose(expected.losses().total(), actual.losses().total(), where + " total");
                        for (String parameter : expected.gradients().keySet()) {
                            assertArraysClose(expected.gradients().get(parameter),
                                    actual.gradients().get(parameter), where + " gradient of " + parameter);
                        }
                        data[1][0].putScalar(1, 1.0);
                        assertClose(reference.losses(data[0], data[1]).total(),
                                compiled.losses(data[0], data[1]).total(), where + " binary total");
                    }
                    List<PlanStep> plan = compiled.trainingPlan();
                    boolean folded = !Arrays.asList(off).contains(PlanSwitch.FUSED_MEAN);
                    assertEquals(folded ? 2 : 0, count(plan, PlanStep.Kind.FUSED_MEAN), text(plan));
                    assertEquals(folded ? 2 : 0, count(plan, PlanStep.Kind.FUSED_LOSS_GRADIENT_FROM_MEAN), text(plan));
                    assertEquals(folded ? 0 : 2, countOp(plan, "reduce_mean_bp"), text(plan));
                }
            } finally {
                PlanSwitch.disable();
            }
        }
    }

    @Test
    void lossFusionStepsAsideAboveItsSizeLimits() {
        // Localisation has 9 values per example, classification 2: at 2,000 examples the localisation loss
        // (18,000 values) exceeds LossFusion.MAX_FORWARD_ELEMENTS and keeps its forward ops; both gradients and the
        // classification loss are fused.
        List<PlanStep> plan = compare(TestModels.detector(WeightingSpec.fixed(0.3, 0.7)), DataType.DOUBLE, 2000)
                .trainingPlan();
        assertEquals(2, count(plan, FUSED_GRADIENTS), text(plan));
        assertEquals(1, count(plan, PlanStep.Kind.FUSED_LOSS), text(plan));
        assertTrue(countOp(plan, "ClipByValue") > 0, text(plan));
    }

    @Test
    void sgdStepGivesTheWeightsMinusTheScaledGradientRoundedOnce() {
        // Trainer applies plain SGD as one BLAS axpy (SgdUpdate). The reference is worked out here from the gradients
        // of an identical network: w − lr·g exactly (FLOAT: in double, where the float product is exact; DOUBLE:
        // Math.fma), rounded once to the type; axpy may round the product first in its scalar tail, so one ulp is
        // allowed. A learning-rate schedule makes the iteration count reach the rate.
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            ModelSpec spec = TestModels.detector(WeightingSpec.fixed(0.3, 0.7));
            org.nd4j.linalg.schedule.StepSchedule schedule = new org.nd4j.linalg.schedule.StepSchedule(
                    org.nd4j.linalg.schedule.ScheduleType.ITERATION, 0.037, 0.5, 2);
            Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(4).dataType(type)
                    .updater(new org.nd4j.linalg.learning.config.Sgd(schedule)).build());
            Network network = NetworkBuilder.build(spec, 4, type);
            CompiledExecutor executor = new CompiledExecutor(network);
            Random random = new Random(8);
            for (int step = 0; step < 5; step++) {
                INDArray[][] data = batch(spec, type, 6, random);
                StepExecutor.PassResult outcome = executor.forwardBackward(data[0], data[1]);
                double lr = schedule.valueAt(step, 0);
                for (Map.Entry<String, INDArray> gradient : outcome.gradients().entrySet()) {
                    INDArray value = network.parameters().get(gradient.getKey()).getArr();
                    double[] w = value.dup().data().asDouble();
                    double[] g = gradient.getValue().dup().data().asDouble();
                    double[] updated = new double[w.length];
                    for (int i = 0; i < w.length; i++) {
                        updated[i] = type == DataType.FLOAT ? (float) (w[i] - g[i] * (float) lr)
                                : Math.fma(g[i], -lr, w[i]);
                    }
                    value.assign(Nd4j.createFromArray(updated).castTo(type).reshape(value.shape()));
                }
                trainer.fit(data[0], data[1]);
                for (Map.Entry<String, INDArray> parameter : trainer.parameterValues().entrySet()) {
                    double[] expected = network.parameters().get(parameter.getKey()).getArr().dup().data()
                            .asDouble();
                    double[] actual = parameter.getValue().data().asDouble();
                    for (int i = 0; i < expected.length; i++) {
                        double ulp = type == DataType.FLOAT ? Math.ulp((float) expected[i]) : Math.ulp(expected[i]);
                        assertEquals(expected[i], actual[i], ulp,
                                type + " step " + step + " " + parameter.getKey() + "[" + i + "]");
                    }
                }
                // Both networks continue from the same weights: copy the trainer's (at most one ulp apart).
                for (Map.Entry<String, INDArray> parameter : trainer.parameterValues().entrySet()) {
                    network.parameters().get(parameter.getKey()).getArr().assign(parameter.getValue());
                }
            }
        }
    }

    @Test
    void customLossMethod() {
        ModelSpec spec = ModelSpec.builder("test.Custom")
                .input("x", 6)
                .branch("a", new long[] {3}, Loss.CUSTOM, 1.0)
                .branch("b", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    Layers nn = scope.layers("trunk");
                    SDVariable h = nn.dense(scope.input("x"), 4, Activation.RELU);
                    SDVariable a = scope.layers("a").dense(h, 3, Activation.SIGMOID);
                    scope.output("a", a);
                    scope.output("b", scope.layers("b").dense(h, 1, Activation.IDENTITY));
                    SDVariable diff = a.sub(scope.target("a"));
                    scope.loss("a", diff.mul(diff).mul(diff.mul(diff)));
                })
                .build();
        compare(spec, DataType.DOUBLE, 4, 6);
    }

    @Test
    void batchNormAndDropout() {
        // Training-mode passes (step 0's masks) and inference-mode ones (losses, predictions). In float only from 8
        // examples up: a batch norm's input gradient subtracts two batch means from the output gradient, and over
        // two examples that cancellation leaves rounding differences above the tolerance.
        for (ModelSpec spec : List.of(ModeModels.dense(WeightingSpec.fixed(1.0, 2.0)),
                ModeModels.conv(WeightingSpec.trainable(0.5, 0.0, 1.0)))) {
            compare(spec, DataType.DOUBLE, 5, 3, 5, 1);
            List<PlanStep> plan = compare(spec, DataType.FLOAT, 8, 16).trainingPlan();
            // Per batch norm: x·a (multiply_bp) and x − mean (subtract_bp) of a row broadcast over the rows.
            long norms = spec.modelName().contains("Dense") ? 2 : 1;
            assertEquals(2 * norms, count(plan, PlanStep.Kind.BROADCAST_BP), spec.modelName() + "\n" + text(plan));
        }
    }

    @Test
    void trainingRunGivesTheSameLossesWithBothExecutors() {
        for (ModelSpec spec : List.of(convTrunk(WeightingSpec.trainable(0.5, 0.0, 1.0)),
                losses(WeightingSpec.fixed(1, 2, 3, 4, 5, 6, 7)), TestModels.detector())) {
            TrainingOptions options = TrainingOptions.builder().seed(11).updater(new Adam(0.01))
                    .dataType(DataType.DOUBLE).build();
            Trainer reference = Trainer.create(spec, options.toBuilder().executor(ExecutorKind.SAMEDIFF).build());
            Trainer compiled = Trainer.create(spec, options.toBuilder().executor(ExecutorKind.COMPILED).build());
            Random random = new Random(5);
            for (int step = 0; step < 30; step++) {
                int batch = step % 10 == 9 ? 3 : 6;
                INDArray[][] data = batch(spec, DataType.DOUBLE, batch, random);
                Losses expected = reference.fit(data[0], data[1]);
                Losses actual = compiled.fit(data[0], data[1]);
                assertClose(expected.total(), actual.total(), spec.modelName() + " total at step " + step);
                assertArrayEquals(expected.branchLosses(), actual.branchLosses(),
                        1e-5 * Math.max(1, Math.abs(expected.total())), spec.modelName() + " step " + step);
            }
            assertArrayEquals(reference.weights(), compiled.weights(), 1e-6);
            Map<String, INDArray> p = reference.parameterValues();
            Map<String, INDArray> q = compiled.parameterValues();
            for (String key : p.keySet()) {
                assertArraysClose(p.get(key), q.get(key), spec.modelName() + " parameter " + key);
            }
            INDArray[][] data = batch(spec, DataType.DOUBLE, 4, random);
            Losses e = reference.evaluate(data[0], data[1]);
            Losses a = compiled.evaluate(data[0], data[1]);
            assertClose(e.total(), a.total(), "evaluate");
            INDArray[] pe = reference.predictor().predict(data[0]);
            INDArray[] pa = compiled.predictor().predict(data[0]);
            for (int i = 0; i < pe.length; i++) {
                assertArraysClose(pe[i], pa[i], "prediction " + i);
            }
        }
    }

    @Test
    void anEpochsPartialBatchReusesItsPlanInsteadOfRebuildingBothEveryEpoch() {
        ModelSpec spec = TestModels.twoInputs(WeightingSpec.fixed(1.0, 1.0));
        CompiledExecutor executor = new CompiledExecutor(NetworkBuilder.build(spec, 3, DataType.DOUBLE));
        SameDiffExecutor reference = new SameDiffExecutor(NetworkBuilder.build(spec, 3, DataType.DOUBLE));
        Random random = new Random(5);
        INDArray[][] full = batch(spec, DataType.DOUBLE, 4, random);
        INDArray[][] partial = batch(spec, DataType.DOUBLE, 3, random);
        INDArray[][] other = batch(spec, DataType.DOUBLE, 2, random);
        // Three epochs of a full and a partial batch, then a third size, which evicts the least recent plan (the full
        // batch's, whose size then builds again).
        INDArray[][][] sequence = {full, partial, full, partial, full, partial, other, full};
        int[] builtAfter = {1, 2, 2, 2, 2, 2, 3, 4};
        for (int i = 0; i < sequence.length; i++) {
            INDArray[][] b = sequence[i];
            Map<String, INDArray> expected = reference.forwardBackward(b[0], b[1]).gradients();
            Map<String, INDArray> actual = executor.forwardBackward(b[0], b[1]).gradients();
            for (Map.Entry<String, INDArray> e : expected.entrySet()) {
                assertTrue(e.getValue().equalsWithEps(actual.get(e.getKey()), 1e-12), "step " + i + " " + e.getKey());
            }
            assertEquals(builtAfter[i], executor.plansBuilt(), "plans built after step " + i);
        }
        // The last two sizes are kept (the third size and the full batch): the third runs again without a build.
        executor.forwardBackward(other[0], other[1]);
        assertEquals(4, executor.plansBuilt());
    }

    @Test
    void predictionsAreCopiesThatLaterStepsDoNotChange() {
        ModelSpec spec = TestModels.twoInputs(WeightingSpec.fixed(1.0, 1.0));
        Network network = NetworkBuilder.build(spec, 3, DataType.FLOAT);
        CompiledExecutor executor = new CompiledExecutor(network);
        Random random = new Random(1);
        INDArray[][] first = batch(spec, DataType.FLOAT, 4, random);
        INDArray[] kept = executor.predict(first[0]);
        INDArray copy = kept[0].dup();
        executor.predict(batch(spec, DataType.FLOAT, 4, random)[0]);
        assertEquals(copy, kept[0]);
    }

    @Test
    void randomOpsFallBackToSameDiff() {
        ModelSpec spec = ModelSpec.builder("test.Dropout")
                .input("x", 5)
                .branch("y", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers nn = scope.layers("y");
                    // Noise from a random op (SameDiff's dropout cannot be differentiated in M2.1).
                    SDVariable noise = scope.sameDiff().random().uniform(-0.1, 0.1, DataType.FLOAT, 1, 4);
                    SDVariable h = nn.dense(scope.input("x"), 4, Activation.RELU).add(noise);
                    scope.output("y", nn.dense(h, 2, Activation.IDENTITY));
                })
                .build();
        CompiledExecutor executor = new CompiledExecutor(NetworkBuilder.build(spec, 1, DataType.FLOAT));
        assertTrue(executor.isFallback());
        INDArray[][] data = batch(spec, DataType.FLOAT, 3, new Random(2));
        StepExecutor.PassResult outcome = executor.forwardBackward(data[0], data[1]);
        assertTrue(Double.isFinite(outcome.losses().total()));
        assertEquals(spec.branches().size(), outcome.losses().branchLosses().length);
    }

    @Test
    void aRewriteThatFailsWhilePlanningFailsTheTestsButUsersGetTheOpCountedAndLoggedOnce() {
        ModelSpec spec = TestModels.detector(WeightingSpec.fixed(0.3, 0.7));
        // A deliberately broken rewrite, tried first: it throws on every matmul_bp.
        Rewrite broken = new Rewrite() {
            @Override
            public Rewritten apply(PlanNode node, PlanDraft draft) {
                if (node instanceof PlanNode.Op op && op.function().opName().equals("matmul_bp")) {
                    throw new ArithmeticException("deliberately broken");
                }
                return null;
            }

            @Override
            public String name() {
                return "BrokenForTest";
            }
        };
        List<Rewrite> rewrites = new ArrayList<>();
        rewrites.add(broken);
        rewrites.addAll(Rewrite.catalogue());
        Random random = new Random(4);
        INDArray[][] first = batch(spec, DataType.DOUBLE, 5, random);
        // Strict mode (runtime/pom.xml switches it on for every runtime test): the bug fails the test.
        assertTrue(PlanFailures.strict(), "the runtime's tests run in strict mode");
        CompiledExecutor strict = new CompiledExecutor(NetworkBuilder.build(spec, 7, DataType.DOUBLE), rewrites);
        RewriteFailedException e = assertThrows(RewriteFailedException.class,
                () -> strict.forwardBackward(first[0], first[1]));
        assertTrue(e.getMessage().contains("BrokenForTest"), e.getMessage());
        assertTrue(e.getCause() instanceof ArithmeticException, String.valueOf(e.getCause()));
        // Users: the node runs SameDiff's op, the rest of the plan stays compiled and rewritten, the values are
        // SameDiff's; every failure is counted, the first one of this rewrite logged.
        boolean wasStrict = PlanFailures.strict(false);
        try {
            long failures = PlanFailures.rewriteFailures();
            long warnings = PlanFailures.warnings();
            SameDiffExecutor reference = new SameDiffExecutor(NetworkBuilder.build(spec, 7, DataType.DOUBLE));
            CompiledExecutor lenient = new CompiledExecutor(NetworkBuilder.build(spec, 7, DataType.DOUBLE), rewrites);
            for (int batch : new int[] {5, 3}) {
                INDArray[][] data = batch == 5 ? first : batch(spec, DataType.DOUBLE, batch, random);
                StepExecutor.PassResult expected = reference.forwardBackward(data[0], data[1]);
                StepExecutor.PassResult actual = lenient.forwardBackward(data[0], data[1]);
                assertClose(expected.losses().total(), actual.losses().total(), "total at batch " + batch);
                for (String parameter : expected.gradients().keySet()) {
                    assertArraysClose(expected.gradients().get(parameter), actual.gradients().get(parameter),
                            "gradient of " + parameter + " at batch " + batch);
                }
            }
            assertFalse(lenient.isFallback());
            List<PlanStep> plan = lenient.trainingPlan();
            long matmulBps = countOp(plan, "matmul_bp");
            assertTrue(matmulBps > 0, text(plan));
            assertEquals(1, count(plan, PlanStep.Kind.CONV2D_BP_SHARED_PATCHES), text(plan));
            // Two plans (batch 5 and 3), each with its matmul_bp nodes failing once.
            assertEquals(failures + 2 * matmulBps, PlanFailures.rewriteFailures());
            assertEquals(warnings + 1, PlanFailures.warnings());
        } finally {
            PlanFailures.strict(wasStrict);
        }
    }

    @Test
    void aFusedLossStepThatFailsLeavesEveryLossToSameDiffsOps() {
        // Fused loss steps replace op chains that the plan's order then skips, so a failing one makes the planner
        // start over without fused losses (users; strict mode throws as for any rewrite).
        ModelSpec spec = fusedLosses(1);
        Rewrite broken = new Rewrite() {
            @Override
            public Rewritten apply(PlanNode node, PlanDraft draft) {
                if (node instanceof PlanNode.Fused) {
                    throw new IllegalStateException("deliberately broken");
                }
                return null;
            }

            @Override
            public String name() {
                return "BrokenFusionForTest";
            }
        };
        List<Rewrite> rewrites = new ArrayList<>();
        rewrites.add(broken);
        rewrites.addAll(Rewrite.catalogue());
        INDArray[][] data = batch(spec, DataType.DOUBLE, 6, new Random(5));
        CompiledExecutor strict = new CompiledExecutor(NetworkBuilder.build(spec, 7, DataType.DOUBLE), rewrites);
        assertThrows(RewriteFailedException.class, () -> strict.losses(data[0], data[1]));
        boolean wasStrict = PlanFailures.strict(false);
        try {
            long failures = PlanFailures.rewriteFailures();
            long warnings = PlanFailures.warnings();
            SameDiffExecutor reference = new SameDiffExecutor(NetworkBuilder.build(spec, 7, DataType.DOUBLE));
            CompiledExecutor lenient = new CompiledExecutor(NetworkBuilder.build(spec, 7, DataType.DOUBLE), rewrites);
            StepExecutor.PassResult expected = reference.forwardBackward(data[0], data[1]);
            StepExecutor.PassResult actual = lenient.forwardBackward(data[0], data[1]);
            assertClose(expected.losses().total(), actual.losses().total(), "total");
            for (String parameter : expected.gradients().keySet()) {
                assertArraysClose(expected.gradients().get(parameter), actual.gradients().get(parameter),
                        "gradient of " + parameter);
            }
            assertFalse(lenient.isFallback());
            List<PlanStep> plan = lenient.trainingPlan();
            assertEquals(0, count(plan, PlanStep.Kind.FUSED_LOSS, PlanStep.Kind.FUSED_MEAN,
                    PlanStep.Kind.FUSED_LOSS_GRADIENT, PlanStep.Kind.FUSED_LOSS_GRADIENT_FROM_MEAN), text(plan));
            // The other rewrites still apply.
            assertTrue(count(plan, PlanStep.Kind.MATMUL_BP_PRUNED) > 0, text(plan));
            assertEquals(failures + 1, PlanFailures.rewriteFailures());
            assertEquals(warnings + 1, PlanFailures.warnings());
        } finally {
            PlanFailures.strict(wasStrict);
        }
    }

    @Test
    void thePlanPrunesTheInputGradientAndUsesTheCheaperBackwardOps() {
        ModelSpec spec = ModelSpec.builder("test.Mlp")
                .input("x", 12)
                .branch("y", new long[] {3}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers nn = scope.layers("y");
                    SDVariable h = nn.dense(scope.input("x"), 8, Activation.RELU);
                    scope.output("y", nn.dense(h, 3, Activation.IDENTITY));
                })
                .build();
        CompiledExecutor executor = new CompiledExecutor(NetworkBuilder.build(spec, 1, DataType.FLOAT));
        INDArray[][] data = batch(spec, DataType.FLOAT, 4, new Random(2));
        executor.forwardBackward(data[0], data[1]);
        List<PlanStep> plan = executor.trainingPlan();
        assertEquals(1, count(plan, PlanStep.Kind.MATMUL_BP_PRUNED), text(plan));
        assertEquals(1, count(plan, PlanStep.Kind.RELU_BP), text(plan));
        assertEquals(2, count(plan, PlanStep.Kind.ADD_BP_ALIAS_AND_BIAS_GEMM, PlanStep.Kind.ADD_BP_ALIAS), text(plan));
        // The second layer's matmul_bp needs both gradients and stays.
        assertEquals(1, countOp(plan, "matmul_bp"), text(plan));
        assertEquals(0, countOp(plan, "add_bp") + countOp(plan, "thresholdedrelu_bp"), text(plan));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static final PlanStep.Kind[] CONV2D_REWRITES = {PlanStep.Kind.CONV2D_SHARED_PATCHES,
        PlanStep.Kind.CONV2D_FORWARD_ONLY, PlanStep.Kind.CONV2D_BP_OWN_PATCHES, PlanStep.Kind.CONV2D_BP_SHARED_PATCHES};
    private static final PlanStep.Kind[] FUSED_GRADIENTS = {PlanStep.Kind.FUSED_LOSS_GRADIENT,
        PlanStep.Kind.FUSED_LOSS_GRADIENT_FROM_MEAN};
    /** The steps that read or write native buffers from Java. */
    private static final PlanStep.Kind[] JAVA_PASSES = java.util.Arrays.stream(PlanStep.Kind.values())
            .filter(kind -> kind.rewrite() != null && kind.rewrite().javaPass())
            .toArray(PlanStep.Kind[]::new);

    /** How many nodes of {@code plan} are computed in one of these ways. */
    static long count(List<PlanStep> plan, PlanStep.Kind... kinds) {
        List<PlanStep.Kind> wanted = List.of(kinds);
        return plan.stream().filter(step -> wanted.contains(step.kind())).count();
    }

    /** How many nodes of {@code plan} run SameDiff's op {@code op} as it was emitted. */
    static long countOp(List<PlanStep> plan, String op) {
        return plan.stream().filter(step -> step.op().equals(op)
                && (step.kind() == PlanStep.Kind.OP || step.kind() == PlanStep.Kind.LEGACY_OP)).count();
    }

    /** The plan, one line a node, for failure messages. */
    static String text(List<PlanStep> plan) {
        return String.join("\n", plan.stream().map(PlanStep::describe).toList());
    }

    static CompiledExecutor compare(ModelSpec spec, DataType type, int... batchSizes) {
        return compare(spec, type, null, batchSizes);
    }

    /** Compares both executors; {@code trainable} (null: all) restricts the parameters that get gradients. */
    private static CompiledExecutor compare(ModelSpec spec, DataType type, java.util.Set<String> trainable,
                                            int... batchSizes) {
        Network referenceNetwork = NetworkBuilder.build(spec, 7, type);
        Network compiledNetwork = NetworkBuilder.build(spec, 7, type);
        SameDiffExecutor reference = new SameDiffExecutor(referenceNetwork);
        CompiledExecutor compiled = new CompiledExecutor(compiledNetwork);
        assertFalse(compiled.isFallback(), spec.modelName() + " fell back to SameDiff");
        if (trainable != null) {
            reference.trainableParametersChanged(trainable);
            compiled.trainableParametersChanged(trainable);
        }
        Random random = new Random(123);
        for (int batch : batchSizes) {
            for (int repeat = 0; repeat < 2; repeat++) {
                INDArray[][] data = batch(spec, type, batch, random);
                StepExecutor.PassResult expected = reference.forwardBackward(data[0], data[1]);
                StepExecutor.PassResult actual = compiled.forwardBackward(data[0], data[1]);
                String where = spec.modelName() + " " + type + " batch " + batch + " repeat " + repeat;
                assertClose(expected.losses().total(), actual.losses().total(), where + " total");
                for (int i = 0; i < spec.branches().size(); i++) {
                    assertClose(expected.losses().branchLoss(i), actual.losses().branchLoss(i),
                            where + " loss of " + spec.branches().get(i).name());
                }
                assertEquals(expected.gradients().keySet(), actual.gradients().keySet());
                for (String parameter : expected.gradients().keySet()) {
                    assertArraysClose(expected.gradients().get(parameter), actual.gradients().get(parameter),
                            where + " gradient of " + parameter);
                }
                Losses expectedLosses = reference.losses(data[0], data[1]);
                Losses actualLosses = compiled.losses(data[0], data[1]);
                assertClose(expectedLosses.total(), actualLosses.total(), where + " evaluated total");
                INDArray[] expectedPredictions = reference.predict(data[0]);
                INDArray[] actualPredictions = compiled.predict(data[0]);
                for (int i = 0; i < expectedPredictions.length; i++) {
                    assertArraysClose(expectedPredictions[i], actualPredictions[i], where + " prediction " + i);
                }
                // Move the parameters (the same way in both graphs) so the next batch sees new values.
                for (String parameter : expected.gradients().keySet()) {
                    INDArray step = expected.gradients().get(parameter).mul(0.1);
                    referenceNetwork.parameters().get(parameter).getArr().subi(step);
                    compiledNetwork.parameters().get(parameter).getArr().subi(step);
                }
            }
        }
        return compiled;
    }

    /** Random inputs and valid targets for every loss. */
    static INDArray[][] batch(ModelSpec spec, DataType type, int batch, Random random) {
        List<INDArray> inputs = new ArrayList<>();
        for (InputSpec input : spec.inputs()) {
            INDArray special = SequenceModels.input(input, batch, random, type);
            inputs.add(special != null ? special : random(type, Shapes.withBatch(batch, input.shape()), random, -1, 1));
        }
        List<INDArray> targets = new ArrayList<>();
        for (BranchSpec branch : spec.branches()) {
            long[] shape = Shapes.withBatch(batch, branch.targetShape());
            long[] full = Shapes.withBatch(batch, branch.shape());
            targets.add(switch (branch.loss()) {
                case BINARY_CROSSENTROPY -> random(type, shape, random, 0, 1);
                case SPARSE_CATEGORICAL_CROSSENTROPY -> {
                    INDArray classes = Nd4j.create(type, shape);
                    long n = full[full.length - 1];
                    for (long i = 0; i < classes.length(); i++) {
                        classes.putScalar(i, random.nextInt((int) n));
                    }
                    yield classes;
                }
                case CATEGORICAL_CROSSENTROPY -> {
                    INDArray t = random(type, full, random, 0, 1);
                    yield t.divi(t.sum(true, full.length - 1));
                }
                default -> random(type, shape, random, -1, 1);
            });
        }
        return new INDArray[][] {inputs.toArray(new INDArray[0]), targets.toArray(new INDArray[0])};
    }

    private static INDArray random(DataType type, long[] shape, Random random, double lo, double hi) {
        double[] values = new double[(int) Shapes.size(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = lo + (hi - lo) * random.nextDouble();
        }
        return Nd4j.createFromArray(values).castTo(type).reshape(shape);
    }

    private static void assertClose(double expected, double actual, String what) {
        if (!(Math.abs(expected - actual) <= TOLERANCE * Math.max(1e-3, Math.abs(expected)))) {
            fail(what + ": expected " + expected + " but was " + actual);
        }
    }

    private static void assertArraysClose(INDArray expected, INDArray actual, String what) {
        LayerReference.assertClose(expected, actual, TOLERANCE, what);
    }

    private static Map<String, INDArray> trainThreeSteps(ModelSpec spec) {
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(2).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).build());
        Random random = new Random(9);
        for (int step = 0; step < 3; step++) {
            INDArray[][] data = batch(spec, DataType.DOUBLE, 5, random);
            trainer.fit(data[0], data[1]);
        }
        return trainer.parameterValues();
    }

    @Test
    void everyWeightingStrategyTrainsTheSameWithBothExecutors() {
        // The strategies beyond FIXED and TRAINABLE add graph ops (UNCERTAINTY's log-variances, SCHEDULED's and
        // DWA's weight placeholders, GLS's geometric mean), change weights between steps and epochs (DWA, RLW),
        // or need one pass per branch with the other branches masked (GRADNORM, PCGRAD, MGDA): each must give the
        // same losses, weights and parameters whichever executor runs the passes.
        Map<String, ModelSpec> specs = new java.util.LinkedHashMap<>();
        for (WeightingSpec weighting : List.of(
                WeightingSpec.scheduled(new double[] {0.2, 0.3, 0.5}, new double[] {0.5, 0.3, 0.2},
                        io.github.branchwise.annotations.Ramp.COSINE, 5, io.github.branchwise.annotations.RampUnit.STEP),
                WeightingSpec.uncertainty(), WeightingSpec.dwa(2.0), WeightingSpec.rlw(), WeightingSpec.gls(),
                WeightingSpec.gradNorm(1.5, ""), WeightingSpec.pcGrad(), WeightingSpec.mgda())) {
            specs.put(weighting.toString(), convTrunk(weighting));
        }
        specs.put("CUSTOM", TestModels.detector(WeightingSpec.custom(StrategyTest.MaxLoss::new)));
        for (Map.Entry<String, ModelSpec> entry : specs.entrySet()) {
            String name = entry.getKey();
            ModelSpec spec = entry.getValue();
            TrainingOptions options = TrainingOptions.builder().seed(11).updater(new Adam(0.01))
                    .dataType(DataType.DOUBLE).build();
            Trainer reference = Trainer.create(spec, options.toBuilder().executor(ExecutorKind.SAMEDIFF).build());
            Trainer compiled = Trainer.create(spec, options.toBuilder().executor(ExecutorKind.COMPILED).build());
            Random random = new Random(6);
            for (int step = 0; step < 9; step++) {
                INDArray[][] data = batch(spec, DataType.DOUBLE, step == 4 ? 3 : 5, random);
                Losses expected = reference.fit(data[0], data[1]);
                Losses actual = compiled.fit(data[0], data[1]);
                assertClose(expected.total(), actual.total(), name + " total at step " + step);
                assertArrayEquals(expected.branchLosses(), actual.branchLosses(),
                        1e-5 * Math.max(1, Math.abs(expected.total())), name + " step " + step);
                assertArrayEquals(reference.weights(), compiled.weights(), 1e-6, name + " weights at step " + step);
                if (step % 3 == 2) {
                    reference.endEpoch();
                    compiled.endEpoch();
                }
            }
            Map<String, INDArray> p = reference.parameterValues();
            Map<String, INDArray> q = compiled.parameterValues();
            assertEquals(p.keySet(), q.keySet(), name);
            for (String key : p.keySet()) {
                assertArraysClose(p.get(key), q.get(key), name + " parameter " + key);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Conv trunk shared by three branches: conv valid, conv same stride 2, max-pool, flatten, dense heads. */
    static ModelSpec convTrunk(WeightingSpec weighting) {
        return ModelSpec.builder("test.ConvTrunk" + weighting.weighting())
                .input("image", 8, 8, 3)
                .input("extra", 4)
                .branch("labels", new long[] {5}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("box", new long[] {4}, Loss.HUBER, 0.7)
                .branch("mask", new long[] {2, 2, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable c1 = trunk.conv2d(scope.input("image"), 4, 3, 1, Padding.VALID, Activation.RELU);
                    SDVariable c2 = trunk.conv2d(c1, 6, 3, 2, Padding.SAME, Activation.RELU);
                    SDVariable pooled = trunk.maxPool2d(c2, 2);
                    SDVariable flat = trunk.flatten(pooled);
                    Layers labels = scope.layers("labels");
                    scope.output("labels", labels.dense(flat, 5, Activation.SOFTMAX));
                    Layers box = scope.layers("box");
                    SDVariable both = scope.sameDiff().concat(1, flat, scope.input("extra"));
                    scope.output("box", box.dense(both, 4, Activation.IDENTITY));
                    Layers mask = scope.layers("mask");
                    scope.output("mask", mask.conv2d(c2, 1, 2, Activation.SIGMOID));
                })
                .build();
    }

    /**
     * Cross-entropies the compiled plan fuses: saturating logits (predictions the clip clips), several positions
     * per example, sparse targets, and one sigmoid output that another branch also reads (not fused).
     */
    static ModelSpec fusedLosses(double gain) {
        return ModelSpec.builder("test.FusedLosses" + (int) gain)
                .input("x", 5)
                .branch("bceHot", new long[] {3}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("cceHot", new long[] {4}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("sparseHot", new long[] {5}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("seq", new long[] {2, 4}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("sparseSeq", new long[] {3, 5}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("bceMap", new long[] {2, 3}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("shared", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("reader", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1, 2, 3, 4, 5, 6, 7, 8))
                .graph(scope -> {
                    org.nd4j.autodiff.samediff.SameDiff sd = scope.sameDiff();
                    SDVariable h = scope.layers("trunk").dense(scope.input("x"), 6, Activation.TANH);
                    scope.output("bceHot", sd.nn().sigmoid(
                            scope.layers("bceHot").dense(h, 3, Activation.IDENTITY).mul(gain)));
                    scope.output("cceHot", sd.nn().softmax(
                            scope.layers("cceHot").dense(h, 4, Activation.IDENTITY).mul(gain)));
                    scope.output("sparseHot", sd.nn().softmax(
                            scope.layers("sparseHot").dense(h, 5, Activation.IDENTITY).mul(gain)));
                    scope.output("seq", sd.nn().softmax(
                            scope.layers("seq").dense(h, 8, Activation.IDENTITY).reshape(-1, 2, 4)));
                    scope.output("sparseSeq", sd.nn().softmax(
                            scope.layers("sparseSeq").dense(h, 15, Activation.IDENTITY).reshape(-1, 3, 5)));
                    scope.output("bceMap", sd.nn().sigmoid(
                            scope.layers("bceMap").dense(h, 6, Activation.IDENTITY).reshape(-1, 2, 3)));
                    SDVariable shared = scope.layers("shared").dense(h, 2, Activation.SIGMOID)
                            .rename("prediction/shared");
                    scope.output("shared", shared);
                    scope.output("reader", scope.layers("reader").dense(shared, 1, Activation.IDENTITY));
                })
                .build();
    }

    /** A convolution written with SameDiff directly (dilation, optional bias) over the input, MSE on its map. */
    static ModelSpec rawConvolution(Padding padding, int stride, int dilation, int filters, boolean bias) {
        int size = 9;
        int effective = 2 * dilation + 1;
        int out = padding == Padding.SAME ? (size + stride - 1) / stride : (size - effective) / stride + 1;
        return ModelSpec.builder("test.RawConv" + padding + stride + dilation + filters + bias)
                .input("image", size, size - 1, 2)
                .branch("map", new long[] {out, padding == Padding.SAME ? (size - 1 + stride - 1) / stride
                        : (size - 1 - effective) / stride + 1, filters}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers nn = scope.layers("map");
                    SDVariable w = nn.parameter("W", true, 3, 3, 2, filters);
                    org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig config =
                            org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig.builder()
                                    .kH(3).kW(3).sH(stride).sW(stride).dH(dilation).dW(dilation)
                                    .paddingMode(padding == Padding.SAME
                                            ? org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.SAME
                                            : org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.VALID)
                                    .dataFormat("NHWC").build();
                    SDVariable image = scope.input("image");
                    SDVariable map = bias
                            ? scope.sameDiff().cnn().conv2d(image, w, nn.parameter("b", false, filters), config)
                            : scope.sameDiff().cnn().conv2d(image, w, config);
                    scope.output("map", scope.sameDiff().math().tanh(map));
                })
                .build();
    }

    /** One branch per activation, each a dense layer of a shared dense trunk, MSE losses. */
    static ModelSpec activations(WeightingSpec weighting) {
        ModelSpec.Builder builder = ModelSpec.builder("test.Activations" + weighting.weighting()).input("x", 6);
        for (Activation activation : Activation.values()) {
            builder.branch(activation.name().toLowerCase(), new long[] {3}, Loss.MEAN_SQUARED_ERROR, 1.0);
        }
        return builder.weighting(weighting)
                .graph(scope -> {
                    SDVariable h = scope.layers("trunk").dense(scope.input("x"), 5, Activation.TANH);
                    for (Activation activation : Activation.values()) {
                        String name = activation.name().toLowerCase();
                        scope.output(name, scope.layers(name).dense(h, 3, activation));
                    }
                })
                .build();
    }

    /** One branch per built-in loss (two shapes of cross-entropy), over a shared dense trunk. */
    static ModelSpec losses(WeightingSpec weighting) {
        return ModelSpec.builder("test.Losses" + weighting.weighting())
                .input("x", 7)
                .branch("bce", new long[] {3}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("cce", new long[] {4}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("sparse", new long[] {5}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("mse", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("mae", new long[] {1}, Loss.MEAN_ABSOLUTE_ERROR, 1.0)
                .branch("huber", new long[] {3}, Loss.HUBER, 0.5)
                .branch("bce1", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable h = scope.layers("trunk").dense(scope.input("x"), 6, Activation.RELU);
                    scope.output("bce", scope.layers("bce").dense(h, 3, Activation.SIGMOID));
                    scope.output("cce", scope.layers("cce").dense(h, 4, Activation.SOFTMAX));
                    scope.output("sparse", scope.layers("sparse").dense(h, 5, Activation.SOFTMAX));
                    scope.output("mse", scope.layers("mse").dense(h, 2, Activation.IDENTITY));
                    scope.output("mae", scope.layers("mae").dense(h, 1, Activation.IDENTITY));
                    scope.output("huber", scope.layers("huber").dense(h, 3, Activation.IDENTITY));
                    scope.output("bce1", scope.layers("bce1").dense(h, 1, Activation.SIGMOID));
                })
                .build();
    }
}

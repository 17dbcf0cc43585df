package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The runtime's training and inference modes: dropout active in {@code fit} and off in {@code predict} and
 * {@code evaluate}, masks from the seed, batch-norm statistics that move once per training step and never otherwise,
 * frozen batch norms in inference mode, layer state in {@code parameters()}, {@code summary()} and files, both
 * executors equal, and the errors of wrong settings and inputs.
 */
class ModesTest {
    private static final String MEAN = "trunk/batch_norm_0/moving_mean";
    private static final String VARIANCE = "trunk/batch_norm_0/moving_variance";

    private static Trainer trainer(ModelSpec spec, ExecutorKind kind, long seed) {
        return Trainer.create(spec, TrainingOptions.builder().executor(kind).seed(seed).updater(new Adam(0.01))
                .build());
    }

    private static INDArray[][] batch(ModelSpec spec, int size, Random random) {
        return CompiledExecutorTest.batch(spec, DataType.FLOAT, size, random);
    }

    // ---- dropout ----

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void dropoutIsActiveInFitAndOffInPredictAndEvaluate(ExecutorKind kind) {
        ModelSpec spec = ModeModels.dropoutOnly(0.5);
        Trainer trainer = trainer(spec, kind, 1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 10).addi(0.5);
        INDArray[] xs = {x};
        // Inference: the input itself, every time.
        assertEquals(x, trainer.predictor().predict(xs)[0]);
        double evaluated = trainer.evaluate(xs, new INDArray[] {x, x}).branchLoss(0);
        assertEquals(0.0, evaluated, 0.0, "no dropout in evaluate: the output is the target");
        // Training: about half the elements zeroed, the others doubled.
        Losses trained = trainer.fit(xs, new INDArray[] {x, x});
        assertTrue(trained.branchLoss(0) > 0.05, "dropout in fit changes the output: " + trained.branchLoss(0));
        INDArray mask = TrainerAccess.network(trainer).modes().mask("y/dropout_0", 1, 64);
        long zeros = mask.eq(0).castTo(DataType.INT32).sumNumber().longValue();
        assertTrue(zeros > 64 * 10 * 0.4 && zeros < 64 * 10 * 0.6, zeros + " of 640 dropped");
        assertEquals(x, trainer.predictor().predict(xs)[0], "prediction after fit is still the input");
    }

    @Test
    void theSameSeedGivesTheSameMasksAndAnotherSeedOthers() {
        ModelSpec spec = ModeModels.dense(WeightingSpec.fixed(1, 1));
        Trainer a = trainer(spec, ExecutorKind.COMPILED, 5);
        Trainer b = trainer(spec, ExecutorKind.COMPILED, 5);
        LayerModes modes = TrainerAccess.network(a).modes();
        LayerModes same = TrainerAccess.network(b).modes();
        LayerModes other = TrainerAccess.network(trainer(spec, ExecutorKind.COMPILED, 6)).modes();
        for (long step = 0; step < 3; step++) {
            assertEquals(modes.mask("trunk/dropout_0", step, 8), same.mask("trunk/dropout_0", step, 8));
            assertNotEquals(modes.mask("trunk/dropout_0", step, 8), other.mask("trunk/dropout_0", step, 8));
            assertNotEquals(modes.mask("trunk/dropout_0", step, 8), modes.mask("trunk/dropout_0", step + 1, 8),
                    "each step draws a new mask");
            assertNotEquals(modes.mask("trunk/dropout_0", step, 8), modes.mask("b/dropout_0", step, 8)
                    .get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)));
        }
        // The same seed trains bit for bit the same (masks included); the same data with another seed does not.
        Random random = new Random(3);
        for (int step = 0; step < 4; step++) {
            INDArray[][] data = batch(spec, 8, random);
            assertEquals(a.fit(data[0], data[1]).total(), b.fit(data[0], data[1]).total(), 0.0);
        }
        a.parameterValues().forEach((name, value) -> assertEquals(value, b.parameterValues().get(name), name));
    }

    @Test
    void everyPassOfOneStepGetsTheSameMasksAndTheNextStepNewOnes() {
        Network network = NetworkBuilder.build(ModeModels.dense(WeightingSpec.fixed(1, 1)), 2, DataType.FLOAT);
        LayerModes modes = network.modes();
        modes.step(7);
        INDArray[] first = modes.training(5);
        INDArray[] again = modes.training(5);
        for (int i = 0; i < first.length; i++) {
            assertSame(first[i], again[i]);
        }
        assertEquals(List.of("trunk/batch_norm_0/training", "b/batch_norm_0/training", "trunk/dropout_0/mask",
                "b/dropout_0/mask", "trunk/batch_norm_0/mean_row", "b/batch_norm_0/mean_row"), modes.placeholders());
        assertEquals(Nd4j.valueArrayOf(new long[] {1, 5}, 0.2, DataType.FLOAT), first[4]);
        assertEquals(1.0, first[0].getDouble(0), 0.0);
        assertEquals(modes.mask("trunk/dropout_0", 7, 5), first[2]);
        INDArray[] inference = modes.inference(5);
        assertEquals(0.0, inference[0].getDouble(0), 0.0);
        assertEquals(Nd4j.ones(DataType.FLOAT, 5, 8), inference[2]);
        modes.step(8);
        assertNotEquals(first[2], modes.training(5)[2]);
    }

    // ---- batch norm: statistics ----

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void statisticsMoveOnlyInTrainingStepsOncePerStep(ExecutorKind kind) {
        // PCGRAD runs one pass per branch: the statistics must still move once per step.
        for (WeightingSpec weighting : List.of(WeightingSpec.fixed(1, 1), WeightingSpec.pcGrad())) {
            ModelSpec spec = ModeModels.conv(weighting);
            Trainer trainer = trainer(spec, kind, 4);
            Random random = new Random(8);
            INDArray[][] data = batch(spec, 6, random);
            Map<String, INDArray> before = trainer.parameters();
            trainer.evaluate(data[0], data[1]);
            trainer.predictor().predict(data[0]);
            trainer.summary();
            assertEquals(before.get(MEAN), trainer.parameters().get(MEAN), "evaluate and predict change nothing");
            assertEquals(before.get(VARIANCE), trainer.parameters().get(VARIANCE));

            // One step from the initial statistics (0 and 1): moving = 0.99·initial + 0.01·batch, once.
            INDArray features = convFeatures(trainer, data[0][0]);
            INDArray mean = features.mean(0, 1, 2);
            INDArray variance = features.sub(mean.reshape(1, 1, 1, 4)).mul(features.sub(mean.reshape(1, 1, 1, 4)))
                    .mean(0, 1, 2);
            trainer.fit(data[0], data[1]);
            ModesReferenceTest.assertClose(mean.mul(0.01), trainer.parameters().get(MEAN), 1e-5,
                    weighting + " moving mean after one step");
            ModesReferenceTest.assertClose(variance.mul(0.01).add(0.99), trainer.parameters().get(VARIANCE), 1e-5,
                    weighting + " moving variance after one step");
        }
    }

    /** The input of the conv model's batch norm: the output of the trunk's convolution of {@code image}. */
    private static INDArray convFeatures(Trainer trainer, INDArray image) {
        Network network = TrainerAccess.network(trainer);
        String output = network.layers().stream().filter(l -> l.name().equals("conv2d_0")
                && l.scope().equals("trunk")).findFirst().orElseThrow().output().name();
        Map<String, INDArray> feeds = new java.util.HashMap<>(network.modes().feeds(false, image.size(0)));
        feeds.put("input/image", image);
        return network.sameDiff().output(feeds, output).get(output).castTo(DataType.DOUBLE);
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void aFrozenBatchNormRunsInInferenceModeAndKeepsItsStatistics(ExecutorKind kind) {
        TrainableModel model = TrainableModel.create(ModeModels.batchNormOnly(),
                TrainingOptions.builder().executor(kind).seed(2).updater(new Adam(0.01)).build());
        ModelParameters parameters = model.parameters();
        parameters.set(Map.of("y/batch_norm_0/moving_mean", Nd4j.createFromArray(0.5f, -1f, 2f),
                "y/batch_norm_0/moving_variance", Nd4j.createFromArray(4f, 0.25f, 1f)));
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3).muli(3);
        INDArray[] xs = {x};
        INDArray[] ys = {Nd4j.zeros(DataType.FLOAT, 5, 3)};
        INDArray trainingOutput = model.step().run(xs, ys, true).outputs()[0];
        assertFalse(closeTo(model.step().predict(xs)[0], trainingOutput), "training mode differs");

        parameters.freeze("y/batch_norm_0");
        assertEquals(Set.of("y/batch_norm_0/gamma", "y/batch_norm_0/beta"), parameters.frozen());
        Map<String, INDArray> before = parameters.values();
        INDArray frozenOutput = model.step().run(xs, ys, true).outputs()[0];
        assertTrue(closeTo(model.step().predict(xs)[0], frozenOutput),
                "a frozen batch norm normalises with its moving statistics in training steps too");
        parameters.values().forEach((name, value) -> assertEquals(before.get(name), value, name));

        parameters.unfreeze("y");
        model.step().run(xs, ys, false);
        assertNotEquals(before.get("y/batch_norm_0/moving_mean"), parameters.values().get("y/batch_norm_0/moving_mean"));
        // Freezing one of its two parameters does not freeze the layer.
        parameters.freeze("y/batch_norm_0/gamma");
        Map<String, INDArray> partly = parameters.values();
        model.step().run(xs, ys, false);
        assertNotEquals(partly.get("y/batch_norm_0/moving_mean"), parameters.values().get("y/batch_norm_0/moving_mean"));
    }

    @Test
    void aFrozenBatchNormStaysFrozenThroughSaveAndLoad(@TempDir Path dir) throws Exception {
        ModelSpec spec = ModeModels.conv(WeightingSpec.fixed(1, 1));
        Trainer trainer = trainer(spec, ExecutorKind.COMPILED, 3);
        Random random = new Random(2);
        trainer.fit(batch(spec, 4, random)[0], batch(spec, 4, new Random(2))[1]);
        trainer.freeze("trunk");
        trainer.save(dir.resolve("m.bwm"));
        Trainer loaded = Trainer.load(spec, dir.resolve("m.bwm"));
        Map<String, INDArray> before = loaded.parameters();
        INDArray[][] data = batch(spec, 4, random);
        loaded.fit(data[0], data[1]);
        assertEquals(before.get(MEAN), loaded.parameters().get(MEAN));
        assertEquals(before.get(VARIANCE), loaded.parameters().get(VARIANCE));
    }

    // ---- layer state: listed, counted, set, saved ----

    @Test
    void layerStateIsListedCountedSettableAndHasNoGradient() {
        ModelSpec spec = ModeModels.dense(WeightingSpec.fixed(1, 1));
        Trainer trainer = trainer(spec, ExecutorKind.COMPILED, 1);
        List<String> names = new ArrayList<>(trainer.parameters().keySet());
        int gamma = names.indexOf("trunk/batch_norm_0/gamma");
        assertEquals(List.of("trunk/batch_norm_0/gamma", "trunk/batch_norm_0/beta", MEAN, VARIANCE),
                names.subList(gamma, gamma + 4), "in creation order, with the layer's parameters");
        assertEquals(Nd4j.zeros(DataType.FLOAT, 8), trainer.parameters().get(MEAN));
        assertEquals(Nd4j.ones(DataType.FLOAT, 8), trainer.parameters().get(VARIANCE));
        String summary = trainer.summary();
        assertTrue(summary.contains("Total params: 173"), summary);
        assertTrue(summary.contains("Trainable params: 149"), summary);
        assertTrue(summary.contains("Non-trainable params (layer state): 24"), summary);
        assertTrue(summary.contains("BatchNorm(momentum 0.99, epsilon 0.001)"), summary);

        Network network = TrainerAccess.network(trainer);
        assertEquals(Set.of(MEAN, VARIANCE, "b/batch_norm_0/moving_mean", "b/batch_norm_0/moving_variance"),
                network.layerStates().keySet());
        assertTrue(network.parameters().keySet().stream().noneMatch(network.layerStates()::containsKey));
        INDArray[][] data = batch(spec, 4, new Random(1));
        StepExecutor.PassResult pass = new SameDiffExecutor(network).forwardBackward(data[0], data[1]);
        assertEquals(network.parameters().keySet(), pass.gradients().keySet(), "no gradient for layer state");

        trainer.setParameter(MEAN, Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f));
        assertEquals(8.0, trainer.parameters().get(MEAN).getDouble(7), 0.0);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> trainer.setParameter(VARIANCE, Nd4j.ones(DataType.FLOAT, 3)));
        assertTrue(wrong.getMessage().contains(VARIANCE) && wrong.getMessage().contains("[8]"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> trainer.freeze(MEAN), "layer state cannot be frozen");
    }

    /**
     * Bit for bit with the compiled executor (the default). SameDiff's own sessions are not bit-identical across a
     * save and load even for models without these layers (ConvTrunk differs in the last digit after a reload, measured
     * here): with them the resumed losses are compared to 1e-6, and the parameters not at all.
     */
    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void saveLoadAndResumeAreBitIdentical(ExecutorKind kind, @TempDir Path dir) throws Exception {
        double tolerance = kind == ExecutorKind.COMPILED ? 0.0 : 1e-6;
        for (WeightingSpec weighting : List.of(WeightingSpec.fixed(1, 1), WeightingSpec.mgda())) {
            ModelSpec spec = ModeModels.conv(weighting);
            Random random = new Random(11);
            List<INDArray[][]> batches = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batches.add(batch(spec, i == 5 ? 3 : 5, random));
            }
            Trainer uninterrupted = trainer(spec, kind, 21);
            List<Double> expected = new ArrayList<>();
            for (INDArray[][] data : batches) {
                expected.add(uninterrupted.fit(data[0], data[1]).total());
            }
            Trainer first = trainer(spec, kind, 21);
            List<Double> actual = new ArrayList<>();
            for (INDArray[][] data : batches.subList(0, 4)) {
                actual.add(first.fit(data[0], data[1]).total());
            }
            Path file = dir.resolve(kind + "-" + weighting.weighting() + ".bwm");
            first.save(file);
            Trainer resumed = Trainer.load(spec, file);
            first.parameters().forEach((name, value) -> assertEquals(value, resumed.parameters().get(name),
                    "loaded " + name));
            INDArray[] probe = batches.get(0)[0];
            assertEquals(first.predictor().predict(probe)[1], resumed.predictor().predict(probe)[1]);
            for (INDArray[][] data : batches.subList(4, 8)) {
                actual.add(resumed.fit(data[0], data[1]).total());
            }
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), tolerance * Math.abs(expected.get(i)),
                        kind + " " + weighting + ": loss of the resumed run at step " + i + " (the same masks)");
            }
            if (tolerance == 0) {
                // (Not compared for SameDiff's sessions: the gradient of a convolution's bias before a batch norm is
                // rounding noise around zero, which Adam scales up to full steps of either sign.)
                Map<String, INDArray> want = uninterrupted.parameters();
                resumed.parameters().forEach((name, value) -> assertEquals(want.get(name), value, "resumed " + name));
            }
        }
    }

    // ---- both executors ----

    @Test
    void bothExecutorsTrainTheSameOverChangingBatchSizesIncludingOne() {
        for (ModelSpec spec : List.of(ModeModels.dense(WeightingSpec.fixed(1, 1)),
                ModeModels.conv(WeightingSpec.pcGrad()), ModeModels.dense(WeightingSpec.mgda()))) {
            TrainingOptions options = TrainingOptions.builder().seed(13).updater(new Sgd(0.05))
                    .dataType(DataType.DOUBLE).build();
            Trainer reference = Trainer.create(spec, options.toBuilder().executor(ExecutorKind.SAMEDIFF).build());
            Trainer compiled = Trainer.create(spec, options.toBuilder().executor(ExecutorKind.COMPILED).build());
            Random random = new Random(17);
            for (int step = 0; step < 12; step++) {
                int size = step == 4 ? 1 : step % 5 == 3 ? 3 : 6;
                INDArray[][] data = CompiledExecutorTest.batch(spec, DataType.DOUBLE, size, random);
                Losses expected = reference.fit(data[0], data[1]);
                Losses actual = compiled.fit(data[0], data[1]);
                assertEquals(expected.total(), actual.total(), 1e-9 * Math.max(1, Math.abs(expected.total())),
                        spec.modelName() + " step " + step);
                INDArray[] pe = reference.predictor().predict(data[0]);
                INDArray[] pa = compiled.predictor().predict(data[0]);
                for (int i = 0; i < pe.length; i++) {
                    ModesReferenceTest.assertClose(pe[i], pa[i], 1e-9, spec.modelName() + " prediction " + i);
                }
                assertEquals(reference.evaluate(data[0], data[1]).total(), compiled.evaluate(data[0], data[1]).total(),
                        1e-9 * Math.max(1, Math.abs(expected.total())));
            }
            Map<String, INDArray> p = reference.parameters();
            compiled.parameters().forEach((name, value) -> ModesReferenceTest.assertClose(p.get(name), value, 1e-9,
                    spec.modelName() + " " + name));
        }
    }

    @Test
    void aTrunkWithBatchNormAndDropoutBuiltInEachBranchIsReportedAsDuplicated() {
        ModelSpec spec = ModelSpec.builder("test.UnsharedModes")
                .input("x", 6)
                .branch("a", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1, 1))
                .graph(scope -> {
                    for (String branch : List.of("a", "b")) {
                        io.github.branchwise.runtime.Layers nn = scope.layers(branch);
                        org.nd4j.autodiff.samediff.SDVariable h = nn.dropout(nn.batchNorm(nn.dense(
                                scope.input("x"), 8, io.github.branchwise.runtime.Activation.TANH)), 0.2);
                        h = nn.dense(h, 8, io.github.branchwise.runtime.Activation.TANH);
                        scope.output(branch, nn.dense(h, 2));
                    }
                })
                .build();
        List<io.github.branchwise.runtime.DuplicatedLayers> found = trainer(spec, ExecutorKind.COMPILED, 1)
                .duplicatedLayers();
        assertEquals(1, found.size(), found.toString());
        assertEquals(List.of("dense_0", "batch_norm_0", "dropout_0", "dense_1"), found.get(0).layerNames());
    }

    // ---- wrong settings and inputs ----

    @Test
    void wrongSettingsAndInputsAreErrorsNamingTheLayer() {
        assertMessage(ModeModels.denseThen((nn, x) -> nn.dropout(x, 1.0)),
                "dropout 'y/dropout_0': rate must lie in [0, 1), got 1.0");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.dropout(x, -0.1)), "dropout 'y/dropout_0': rate");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.dropout(x, Double.NaN)), "got NaN");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.batchNorm(x, 1.5, 1e-3)),
                "batchNorm 'y/batch_norm_0': momentum must lie in [0, 1], got 1.5");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.batchNorm(x, 0.9, 0)),
                "batchNorm 'y/batch_norm_0': epsilon must be positive, got 0.0");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.batchNorm(x.sum(1))),
                "batchNorm 'y/batch_norm_0' needs input of shape [batch, features] or [batch, height, width, "
                        + "channels] (features last), got [batch]");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.batchNorm(x.castTo(DataType.INT32))),
                "batchNorm 'y/batch_norm_0' needs a floating-point input, got '");
        assertMessage(ModeModels.denseThen((nn, x) -> nn.dropout(x.castTo(DataType.INT64), 0.5)),
                "dropout 'y/dropout_0' needs a floating-point input, got '");
    }

    private static void assertMessage(ModelSpec spec, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkBuilder.build(spec, 1, DataType.FLOAT));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static boolean closeTo(INDArray a, INDArray b) {
        return ModesReferenceTest.closeEnough(a, b, 1e-5);
    }

    @Test
    void batchNormOnOneExampleTrainsAndPredicts() {
        // One example per feature: ND4J M2.1 turns a reduce over a vector into a no-op that fails in a session.
        ModelSpec spec = ModeModels.dense(WeightingSpec.fixed(1, 1));
        for (ExecutorKind kind : ExecutorKind.values()) {
            Trainer trainer = trainer(spec, kind, 1);
            INDArray[][] data = batch(spec, 1, new Random(4));
            assertTrue(Double.isFinite(trainer.fit(data[0], data[1]).total()));
            assertArrayEquals(new long[] {1, 3}, trainer.predictor().predict(data[0])[1].shape());
        }
        assertEquals(Loss.MEAN_SQUARED_ERROR, spec.branches().get(0).loss());
    }
}

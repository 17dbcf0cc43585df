package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** Save → load gives the same model, and training continues bit for bit as if it had never stopped. */
class SaveLoadTest {
    private static final int BATCH = 5;
    private static final int BEFORE = 3;
    private static final int AFTER = 4;

    @TempDir
    Path dir;

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of(Named.of("Detector, Adam, FLOAT", TestModels.detector()), new Adam(0.01), DataType.FLOAT),
                Arguments.of(Named.of("Detector, Sgd, FLOAT", TestModels.detector()), new Sgd(0.1), DataType.FLOAT),
                Arguments.of(Named.of("TwoInputs, Adam, DOUBLE",
                        TestModels.twoInputs(WeightingSpec.trainable(0.5, 0.1, 0.9))), new Adam(0.02), DataType.DOUBLE),
                Arguments.of(Named.of("3 branches TRAINABLE, Nesterovs, FLOAT",
                        TestModels.heads(WeightingSpec.trainable(0.5, 0.1, 0.7), Loss.CATEGORICAL_CROSSENTROPY,
                                Loss.HUBER, Loss.SPARSE_CATEGORICAL_CROSSENTROPY)), new Nesterovs(0.05, 0.9),
                        DataType.FLOAT));
    }

    @ParameterizedTest
    @MethodSource("runs")
    void loadedModelPredictsTheSameAndContinuesBitIdentically(ModelSpec spec, IUpdater updater, DataType type)
            throws IOException {
        Random random = new Random(21);
        INDArray[][] xs = new INDArray[BEFORE + AFTER][];
        INDArray[][] ys = new INDArray[BEFORE + AFTER][];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = TestData.inputs(spec, BATCH, random, type);
            ys[i] = TestData.targets(spec, BATCH, random, type);
        }
        INDArray[] probe = TestData.inputs(spec, 3, random, type);
        Trainer original = Trainer.create(spec, TrainingOptions.builder().seed(5).updater(updater).dataType(type)
                .build());
        for (int i = 0; i < BEFORE; i++) {
            original.fit(xs[i], ys[i]);
        }
        Path file = dir.resolve("model.bw");
        original.save(file);
        Trainer loaded = Trainer.load(spec, file);

        assertEquals(original.iteration(), loaded.iteration());
        assertEquals(type, loaded.options().dataType());
        assertEquals(original.options().updater(), loaded.options().updater());
        assertArrayEquals(original.weights(), loaded.weights(), 0.0);
        assertSameParameters(original.parameterValues(), loaded.parameterValues());
        assertSamePredictions(original.predictor().predict(probe), loaded.predictor().predict(probe));

        // Training continues: the uninterrupted run and the loaded one take the same steps.
        for (int i = BEFORE; i < BEFORE + AFTER; i++) {
            Losses a = original.fit(xs[i], ys[i]);
            Losses b = loaded.fit(xs[i], ys[i]);
            assertEquals(a.total(), b.total(), 0.0, "total at step " + i);
            assertArrayEquals(a.branchLosses(), b.branchLosses(), "branch losses at step " + i);
        }
        assertSameParameters(original.parameterValues(), loaded.parameterValues());
        assertArrayEquals(original.weights(), loaded.weights(), 0.0);
        assertSamePredictions(original.predictor().predict(probe), loaded.predictor().predict(probe));
        assertEquals(original.iteration(), loaded.iteration());
    }

    @Test
    void optimiserStateMattersSoTheRoundTripTestCanFail() throws IOException {
        // Same parameters, fresh Adam state: the next step differs. This is what a loader that dropped the optimiser
        // state would produce, and the bit-identical test above would catch it.
        ModelSpec spec = TestModels.detector();
        Random random = new Random(22);
        Trainer original = Trainer.create(spec, TrainingOptions.builder().updater(new Adam(0.01)).build());
        for (int i = 0; i < BEFORE; i++) {
            original.fit(TestData.inputs(spec, BATCH, random, DataType.FLOAT),
                    TestData.targets(spec, BATCH, random, DataType.FLOAT));
        }
        Trainer restarted = Trainer.create(spec, TrainingOptions.builder().updater(new Adam(0.01)).build());
        original.parameterValues().forEach((name, value) ->
                TrainerAccess.network(restarted).parameters().get(name).getArr().assign(value));
        INDArray[] x = TestData.inputs(spec, BATCH, random, DataType.FLOAT);
        INDArray[] y = TestData.targets(spec, BATCH, random, DataType.FLOAT);
        assertEquals(original.evaluate(x, y).total(), restarted.evaluate(x, y).total(), 0.0);
        original.fit(x, y);
        restarted.fit(x, y);
        assertFalse(Arrays.equals(original.parameterValues().get("classification/dense_0/W").data().asDouble(),
                restarted.parameterValues().get("classification/dense_0/W").data().asDouble()));
    }

    @Test
    void savingAgainReplacesTheFileAndLeavesNoTemporaryFile() throws IOException {
        ModelSpec spec = TestModels.detector();
        Random random = new Random(23);
        Trainer trainer = Trainer.create(spec, TrainingOptions.defaults());
        Path file = dir.resolve("sub/dir/model.bw");
        trainer.save(file);
        trainer.fit(TestData.inputs(spec, BATCH, random, DataType.FLOAT),
                TestData.targets(spec, BATCH, random, DataType.FLOAT));
        trainer.save(file);
        assertEquals(1, Trainer.load(spec, file).iteration());
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(java.util.List.of(file), files.toList());
        }
    }

    @Test
    void loadingIntoAnotherModelClassFails() throws IOException {
        Path file = dir.resolve("detector.bw");
        Trainer.create(TestModels.detector(), TrainingOptions.defaults()).save(file);
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> Trainer.load(TestModels.twoInputs(WeightingSpec.fixed(1, 1)), file));
        assertTrue(e.getMessage().contains("test.Detector") && e.getMessage().contains("test.TwoInputs"),
                e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void loadingIntoAChangedModelOfTheSameClassFails() throws IOException {
        // The class name matches but the code changed: classification got a hidden layer.
        Path file = dir.resolve("detector.bw");
        Trainer.create(TestModels.detector(), TrainingOptions.defaults()).save(file);
        ModelSpec changed = ModelSpec.builder("test.Detector")
                .input("image", 5, 5, 2)
                .branch("localization", new long[] {3, 3, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("classification", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    scope.output("localization",
                            scope.layers("localization").conv2d(image, 1, 3, Activation.SIGMOID));
                    Layers cls = scope.layers("classification");
                    SDVariable hidden = cls.dense(cls.flatten(image), 4, Activation.RELU);
                    scope.output("classification", cls.dense(hidden, 2, Activation.SIGMOID));
                })
                .build();
        ModelFileException e = assertThrows(ModelFileException.class, () -> Trainer.load(changed, file));
        assertTrue(e.getMessage().contains("classification/dense_0/W"), e.getMessage());

        // Same parameter names, other shapes: classification pools first, so its dense W is [8, 2], not [50, 2].
        ModelSpec reshaped = ModelSpec.builder("test.Detector")
                .input("image", 5, 5, 2)
                .branch("localization", new long[] {3, 3, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("classification", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    scope.output("localization",
                            scope.layers("localization").conv2d(image, 1, 3, Activation.SIGMOID));
                    Layers cls = scope.layers("classification");
                    scope.output("classification",
                            cls.dense(cls.flatten(cls.maxPool2d(image, 2)), 2, Activation.SIGMOID));
                })
                .build();
        ModelFileException shape = assertThrows(ModelFileException.class, () -> Trainer.load(reshaped, file));
        assertTrue(shape.getMessage().contains("classification/dense_0/W") && shape.getMessage().contains("[50, 2]")
                && shape.getMessage().contains("[8, 2]"), shape.getMessage());

        // FIXED weighting has no alpha: the file's weighting/alpha has no place in that model.
        ModelSpec noAlpha = TestModels.detector(WeightingSpec.fixed(0.5, 0.5));
        ModelFileException extra = assertThrows(ModelFileException.class, () -> Trainer.load(noAlpha, file));
        assertTrue(extra.getMessage().contains("weighting/alpha"), extra.getMessage());
    }

    private static void assertSameParameters(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertEquals(expected.get(name).dataType(), actual.get(name).dataType(), name);
            assertArrayEquals(expected.get(name).shape(), actual.get(name).shape(), name);
            assertArrayEquals(expected.get(name).data().asDouble(), actual.get(name).data().asDouble(), name);
        }
    }

    private static void assertSamePredictions(INDArray[] expected, INDArray[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i].shape(), actual[i].shape());
            assertArrayEquals(expected[i].data().asDouble(), actual[i].data().asDouble(), "branch " + i);
        }
    }
}

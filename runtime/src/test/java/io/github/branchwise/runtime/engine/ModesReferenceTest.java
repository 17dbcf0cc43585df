package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.NumpyFiles;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Dropout and batch norm against PyTorch (runtime/src/test/python/modes_reference.py wrote the .npz files under
 * resources/modes; see its comment for how to regenerate them): outputs in training and inference mode in float32,
 * the moving statistics after a step, and six SGD steps of a small dense and a small convolutional model with batch
 * norm in float64 (losses, parameters, moving statistics, predictions), with both executors.
 */
class ModesReferenceTest {
    private static final double FLOAT_TOLERANCE = 2e-6;
    private static final double DOUBLE_TOLERANCE = 1e-10;

    static Map<String, INDArray> reference(String name) throws IOException, URISyntaxException {
        return NumpyFiles.readNpz(Path.of(ModesReferenceTest.class.getResource("/modes/" + name).toURI()));
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void dropoutIsTheInputTimesTheScaledMaskInTrainingAndTheInputInInference(ExecutorKind kind) throws Exception {
        Map<String, INDArray> ref = reference("dropout.npz");
        double rate = ref.get("rate").getDouble(0);
        ModelSpec spec = ModelSpec.builder("test.DropoutOnly")
                .input("x", 5)
                .branch("y", new long[] {5}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("z", new long[] {5}, Loss.MEAN_SQUARED_ERROR, 1.0)
                // TRAINABLE for its α: SameDiff builds no gradient for a graph without a trainable variable.
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    scope.output("y", scope.layers("y").dropout(scope.input("x"), rate));
                    scope.output("z", scope.input("x").mul(1.0));
                })
                .build();
        TrainableModel model = TrainableModel.create(spec, options(kind, DataType.FLOAT));
        INDArray x = ref.get("x").castTo(DataType.FLOAT);
        // Given the mask (fed as the runtime feeds its own: keep / (1 - rate)), the graph computes what PyTorch does.
        Network network = model.network();
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put("input/x", x);
        feeds.put("y/dropout_0/mask", ref.get("keep").castTo(DataType.FLOAT).mul(1.0f / (float) (1 - rate)));
        INDArray given = network.sameDiff().output(feeds, network.outputs().get(0).name())
                .get(network.outputs().get(0).name());
        assertClose(ref.get("train"), given, FLOAT_TOLERANCE, "dropout given PyTorch's mask");
        // Inference: the input, exactly.
        INDArray[] xs = {x};
        assertEquals(x, model.step().predict(xs)[0]);
        assertEquals(ref.get("inference").castTo(DataType.FLOAT), model.step().predict(xs)[0]);
        // Training (the step's own mask): x · mask, the mask 0 or 1 / (1 - rate).
        INDArray mask = network.modes().mask("y/dropout_0", 0, 4);
        INDArray trained = model.step().run(xs, new INDArray[] {x, x}, true).outputs()[0];
        assertEquals(x.mul(mask), trained);
        float kept = 1.0f / (float) (1 - rate);
        for (float m : mask.data().asFloat()) {
            assertTrue(m == 0f || m == kept, "mask value " + m);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"batch_norm_dense.npz", "batch_norm_conv.npz"})
    void batchNormMatchesPyTorchInTrainingAndInferenceAndMovesItsStatisticsAsKeras(String file) throws Exception {
        Map<String, INDArray> ref = reference(file);
        INDArray x = ref.get("x").castTo(DataType.FLOAT);
        long[] example = Arrays.copyOfRange(x.shape(), 1, x.rank());
        for (ExecutorKind kind : ExecutorKind.values()) {
            ModelSpec spec = ModelSpec.builder("test.BatchNormOnly")
                    .input("x", example)
                    .branch("y", example, Loss.MEAN_SQUARED_ERROR, 1.0)
                    .weighting(WeightingSpec.fixed(1.0))
                    .graph(scope -> scope.output("y", scope.layers("y").batchNorm(scope.input("x"))))
                    .build();
            TrainableModel model = TrainableModel.create(spec, options(kind, DataType.FLOAT));
            Map<String, INDArray> values = new LinkedHashMap<>();
            for (String name : new String[] {"gamma", "beta", "moving_mean", "moving_variance"}) {
                values.put("y/batch_norm_0/" + name, ref.get(name));
            }
            model.parameters().set(values);
            String where = file + " " + kind;
            INDArray inference = model.step().predict(new INDArray[] {x})[0];
            assertClose(ref.get("inference"), inference, FLOAT_TOLERANCE, where + " inference");
            INDArray train = model.step().run(new INDArray[] {x}, new INDArray[] {x}, true).outputs()[0];
            assertClose(ref.get("train"), train, FLOAT_TOLERANCE, where + " training");
            Map<String, INDArray> after = model.parameters().values();
            assertClose(ref.get("keras_moving_mean"), after.get("y/batch_norm_0/moving_mean"), FLOAT_TOLERANCE,
                    where + " moving mean");
            assertClose(ref.get("keras_moving_variance"), after.get("y/batch_norm_0/moving_variance"),
                    FLOAT_TOLERANCE, where + " moving variance");
            // PyTorch moves its running mean the same way, its running variance towards the unbiased variance.
            assertClose(ref.get("torch_running_mean"), after.get("y/batch_norm_0/moving_mean"), FLOAT_TOLERANCE,
                    where + " PyTorch's running mean");
            long perFeature = x.length() / example[example.length - 1];
            assertClose(ref.get("torch_running_var"), torchRunningVariance(ref.get("moving_variance"),
                    after.get("y/batch_norm_0/moving_variance"), 1, perFeature), FLOAT_TOLERANCE,
                    where + " PyTorch's running variance");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dense", "conv"})
    void sixSgdStepsOfASmallModelWithBatchNormMatchPyTorch(String which) throws Exception {
        Map<String, INDArray> ref = reference("batch_norm_" + which + "_training.npz");
        ModelSpec spec = which.equals("dense") ? denseNet() : convNet();
        for (ExecutorKind kind : ExecutorKind.values()) {
            TrainableModel model = TrainableModel.create(spec, options(kind, DataType.DOUBLE));
            Map<String, INDArray> initial = new LinkedHashMap<>();
            ref.forEach((name, value) -> {
                if (name.startsWith("initial/")) {
                    initial.put(name.substring("initial/".length()), value);
                }
            });
            model.parameters().set(initial);
            String where = which + " " + kind;
            for (int step = 0; step < 6; step++) {
                Losses losses = model.step().run(new INDArray[] {ref.get("x/" + step)},
                        new INDArray[] {ref.get("y/" + step)}, false).losses();
                assertEquals(ref.get("loss/" + step).getDouble(0), losses.total(), DOUBLE_TOLERANCE,
                        where + " loss at step " + step);
            }
            Map<String, INDArray> values = model.parameters().values();
            ref.forEach((name, value) -> {
                if (name.startsWith("final/")) {
                    String parameter = name.substring("final/".length());
                    assertClose(value, values.get(parameter), DOUBLE_TOLERANCE, where + " " + parameter);
                }
            });
            assertClose(ref.get("prediction"), model.step().predict(new INDArray[] {ref.get("probe")})[0],
                    DOUBLE_TOLERANCE, where + " prediction");
            // PyTorch's own running variance after the six steps, from ours: both start at ones.
            INDArray x = ref.get("x/0");
            long perFeature = x.length() / x.size(x.rank() - 1);
            INDArray ours = values.get("trunk/batch_norm_0/moving_variance");
            assertClose(ref.get("torch_running_var"), torchRunningVariance(Nd4j.onesLike(ours), ours, 6, perFeature),
                    DOUBLE_TOLERANCE, where + " PyTorch's running variance");
        }
    }

    /** x[5] → dense(6) → batchNorm → relu → dense(2), MSE: modes_reference.py's DenseNet. */
    static ModelSpec denseNet() {
        return ModelSpec.builder("test.BatchNormDense")
                .input("x", 5)
                .branch("y", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.activation(trunk.batchNorm(trunk.dense(scope.input("x"), 6)),
                            Activation.RELU);
                    scope.output("y", scope.layers("y").dense(h, 2));
                })
                .build();
    }

    /** image[4,4,2] → conv2d(3, 3x3, same) → batchNorm → relu → flatten → dense(2), MSE: ConvNet. */
    static ModelSpec convNet() {
        return ModelSpec.builder("test.BatchNormConv")
                .input("image", 4, 4, 2)
                .branch("y", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.conv2d(scope.input("image"), 3, 3, 1, Padding.SAME, Activation.IDENTITY);
                    h = trunk.activation(trunk.batchNorm(h), Activation.RELU);
                    Layers y = scope.layers("y");
                    scope.output("y", y.dense(y.flatten(h), 2));
                })
                .build();
    }

    /**
     * PyTorch's running variance after {@code steps} training steps from {@code start}, given ours after the same
     * steps. Both follow {@code r ← m·r + (1 − m)·v} with the same batches (m = 0.99), ours with the biased batch
     * variance v, PyTorch's with the unbiased {@code n / (n − 1) · v} for {@code n} values per feature; the updates
     * are linear, so {@code torch − m^steps·start = n / (n − 1) · (ours − m^steps·start)}.
     */
    static INDArray torchRunningVariance(INDArray start, INDArray ours, int steps, long perFeature) {
        INDArray decayed = start.castTo(DataType.DOUBLE).mul(Math.pow(0.99, steps));
        return ours.castTo(DataType.DOUBLE).sub(decayed).mul((double) perFeature / (perFeature - 1)).add(decayed);
    }

    static TrainingOptions options(ExecutorKind kind, DataType type) {
        return TrainingOptions.builder().executor(kind).dataType(type).updater(new Sgd(0.1)).seed(3).build();
    }

    static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        if (!closeEnough(expected, actual, tolerance)) {
            fail(what + ": expected\n" + expected + "\nbut was\n" + actual);
        }
    }

    /** Every element within {@code tolerance} times the larger of 1 and the expected magnitude. */
    static boolean closeEnough(INDArray expected, INDArray actual, double tolerance) {
        double[] e = expected.castTo(DataType.DOUBLE).dup().data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup().data().asDouble();
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= tolerance * Math.max(1, Math.abs(e[i])))) {
                return false;
            }
        }
        return true;
    }
}

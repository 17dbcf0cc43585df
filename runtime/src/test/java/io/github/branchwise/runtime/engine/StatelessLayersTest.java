package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Interpolation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The stateless layers inside models with parameters before and after them: gradients against central differences
 * (DOUBLE, as {@link GradientCheckTest}), the compiled executor against SameDiff's (losses, gradients, predictions,
 * several batch sizes, FLOAT and DOUBLE; strict planning, so neither falls back), the summary, and the build-time
 * errors that name the layer. Forward values against PyTorch: {@link StatelessLayersReferenceTest}.
 */
class StatelessLayersTest {
    private static final double H = 1e-6;
    private static final double RELATIVE = 1e-5;
    private static final double ABSOLUTE = 1e-9;

    /**
     * A conv trunk through every image layer: layer norm, 'same' average pooling, bilinear and nearest upsampling,
     * concatenation, transposed convolutions (same, valid, a kernel smaller than its stride), a residual add,
     * softmax over the height axis and global average pooling into a dense head.
     */
    static ModelSpec imageModel() {
        return ModelSpec.builder("test.StatelessImage")
                .input("image", 6, 5, 2)
                .branch("map", new long[] {6, 6, 2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("labels", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("grid", new long[] {6, 6, 2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(0.5, 0.3, 0.2))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable c = trunk.conv2d(scope.input("image"), 4, 3, 1, Padding.SAME, Activation.TANH);
                    SDVariable pooled = trunk.avgPool2d(trunk.layerNorm(c), 3, 2, Padding.SAME);
                    Layers map = scope.layers("map");
                    SDVariable smooth = map.upsample2d(pooled, 2, Interpolation.BILINEAR);
                    SDVariable blocky = map.upsample2d(pooled, 2);
                    SDVariable both = map.concat(smooth, blocky);
                    SDVariable t = map.conv2dTranspose(both, 2, 3, 1, Padding.SAME, Activation.TANH);
                    SDVariable skip = map.conv2d(both, 2, 1, Activation.IDENTITY);
                    scope.output("map", map.add(t, skip));
                    Layers labels = scope.layers("labels");
                    SDVariable features = labels.globalAvgPool2d(pooled);
                    scope.output("labels", labels.softmax(labels.dense(features, 3)));
                    Layers grid = scope.layers("grid");
                    SDVariable wide = grid.conv2dTranspose(pooled, 2, 2, 2, Padding.VALID, Activation.IDENTITY);
                    SDVariable sparse = grid.conv2dTranspose(pooled, 2, 1, 2, Padding.VALID, Activation.TANH);
                    // Over channels: a softmax over height or width would be blind to the biases (constant there).
                    scope.output("grid", grid.softmax(grid.add(wide, sparse), 3));
                })
                .build();
    }

    /**
     * Sequences and features: layer norm over [time, features], softmax over time, concatenation along time and
     * along features, bilinear upsampling in one direction and a 'valid' average pool.
     */
    static ModelSpec sequenceModel() {
        return ModelSpec.builder("test.StatelessSequence")
                .input("tokens", 4, 6)
                .input("extra", 2, 6)
                .branch("y", new long[] {3}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("z", new long[] {2}, Loss.HUBER, 0.7)
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    Layers nn = scope.layers("y");
                    SDVariable normalized = nn.layerNorm(scope.input("tokens"));
                    // Softmax over axis 1 after a transpose, so that layer norm's beta (one per feature) is not a
                    // constant along it, which the softmax would cancel.
                    SDVariable attention = nn.softmax(normalized.permute(0, 2, 1), 1).permute(0, 2, 1);
                    SDVariable joined = nn.concat(1, attention, nn.layerNorm(scope.input("extra"), 0.05));
                    SDVariable flat = nn.flatten(joined);
                    SDVariable h = nn.dense(flat, 5, Activation.TANH);
                    scope.output("y", nn.dense(nn.concat(h, nn.dense(flat, 2, Activation.TANH)), 3));
                    Layers z = scope.layers("z");
                    SDVariable image = z.dense(z.flatten(scope.input("extra")), 12, Activation.TANH)
                            .reshape(-1, 2, 6, 1);
                    SDVariable up = z.upsample2d(image, 3, 1, Interpolation.BILINEAR);
                    SDVariable pooled = z.avgPool2d(up, 2, 2, Padding.VALID);
                    scope.output("z", z.dense(z.flatten(pooled), 2));
                })
                .build();
    }

    /** One layer after a convolution, so that a wrong gradient is pinned on that layer's backward op. */
    private static ModelSpec alone(String name, long[] out, BiFunction<Layers, SDVariable, SDVariable> layer) {
        return ModelSpec.builder("test.Alone_" + name).input("image", 6, 5, 2)
                .branch("y", out, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable c = trunk.conv2d(scope.input("image"), 4, 3, 1, Padding.SAME, Activation.TANH);
                    scope.output("y", layer.apply(scope.layers("y"), c));
                })
                .build();
    }

    static Stream<Arguments> singleLayers() {
        return Stream.of(
                Arguments.of("layerNorm", alone("layerNorm", new long[] {6, 5, 4}, (nn, c) -> nn.layerNorm(c))),
                Arguments.of("avgPool2d same", alone("avgSame", new long[] {3, 3, 4},
                        (nn, c) -> nn.avgPool2d(c, 3, 2, Padding.SAME))),
                Arguments.of("avgPool2d valid", alone("avgValid", new long[] {3, 2, 4}, (nn, c) -> nn.avgPool2d(c, 2))),
                Arguments.of("upsample2d bilinear", alone("bilinear", new long[] {12, 15, 4},
                        (nn, c) -> nn.upsample2d(c, 2, 3, Interpolation.BILINEAR))),
                Arguments.of("upsample2d nearest", alone("nearest", new long[] {12, 15, 4},
                        (nn, c) -> nn.upsample2d(c, 2, 3, Interpolation.NEAREST))),
                Arguments.of("concat", alone("concat", new long[] {6, 5, 8}, (nn, c) -> nn.concat(c, c.mul(c)))),
                Arguments.of("conv2dTranspose same", alone("deconvSame", new long[] {12, 10, 2},
                        (nn, c) -> nn.conv2dTranspose(c, 2, 3, 2, Padding.SAME, Activation.TANH))),
                Arguments.of("conv2dTranspose valid", alone("deconvValid", new long[] {13, 11, 2},
                        (nn, c) -> nn.conv2dTranspose(c, 2, 3, 2, Padding.VALID, Activation.IDENTITY))),
                Arguments.of("conv2dTranspose kernel < stride", alone("deconvSparse", new long[] {18, 15, 2},
                        (nn, c) -> nn.conv2dTranspose(c, 2, 2, 3, Padding.VALID, Activation.IDENTITY))),
                Arguments.of("globalAvgPool2d", alone("gap", new long[] {4}, (nn, c) -> nn.globalAvgPool2d(c))),
                Arguments.of("softmax", alone("softmax", new long[] {6, 5, 4}, (nn, c) -> nn.softmax(c, 3))),
                Arguments.of("add", alone("add", new long[] {6, 5, 4}, (nn, c) -> nn.add(c, c.mul(c), c))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleLayers")
    void eachLayerAloneHasTheGradientOfCentralDifferences(String name, ModelSpec spec) {
        checkGradients(name, spec);
    }

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("image", imageModel()), Arguments.of("sequence", sequenceModel()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void compiledExecutorEqualsSameDiff(String name, ModelSpec spec) {
        CompiledExecutor double_ = CompiledExecutorTest.compare(spec, DataType.DOUBLE, 5, 3, 1);
        assertFalse(double_.isFallback());
        CompiledExecutorTest.compare(spec, DataType.FLOAT, 4, 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void gradientsMatchCentralDifferences(String name, ModelSpec spec) {
        checkGradients(name, spec);
    }

    static void checkGradients(String name, ModelSpec spec) {
        Random random = new Random(name.hashCode());
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder()
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).seed(5).build());
        for (int step = 0; step < 2; step++) {
            trainer.fit(TestData.inputs(spec, 5, random, DataType.DOUBLE),
                    TestData.targets(spec, 5, random, DataType.DOUBLE));
        }
        INDArray[] x = TestData.inputs(spec, 5, random, DataType.DOUBLE);
        INDArray[] y = TestData.targets(spec, 5, random, DataType.DOUBLE);
        StepExecutor.PassResult outcome = new SameDiffExecutor(TrainerAccess.network(trainer)).forwardBackward(x, y);
        Map<String, SDVariable> parameters = TrainerAccess.network(trainer).parameters();
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, SDVariable> parameter : parameters.entrySet()) {
            String key = parameter.getKey();
            INDArray value = parameter.getValue().getArr();
            INDArray gradient = outcome.gradients().get(key);
            assertTrue(gradient.amaxNumber().doubleValue() > 1e-6, key + " has an all-zero gradient");
            double[] d = new double[(int) value.length()];
            for (int i = 0; i < d.length; i++) {
                d[i] = 2 * random.nextDouble() - 1;
            }
            INDArray direction = Nd4j.create(d, value.shape(), DataType.DOUBLE);
            INDArray original = value.dup();
            value.addi(direction.mul(H));
            double plus = trainer.evaluate(x, y).total();
            value.assign(original).subi(direction.mul(H));
            double minus = trainer.evaluate(x, y).total();
            value.assign(original);
            double along = gradient.reshape(-1).mul(direction.reshape(-1)).sumNumber().doubleValue();
            compare(key + " along a random direction", along, (plus - minus) / (2 * H), failures);
            for (long i : new long[] {0, value.length() / 2, value.length() - 1}) {
                double v = value.getDouble(i);
                value.putScalar(i, v + H);
                plus = trainer.evaluate(x, y).total();
                value.putScalar(i, v - H);
                minus = trainer.evaluate(x, y).total();
                value.putScalar(i, v);
                compare(key + "[" + i + "]", gradient.getDouble(i), (plus - minus) / (2 * H), failures);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " gradient elements differ:\n" + String.join("\n", failures));
        }
    }

    private static void compare(String what, double exact, double numeric, List<String> failures) {
        if (Math.abs(exact - numeric) > RELATIVE * Math.max(Math.abs(exact), Math.abs(numeric)) + ABSOLUTE) {
            failures.add(what + ": analytic " + exact + ", numeric " + numeric);
        }
    }

    @Test
    void summaryListsEveryLayerWithItsParameters() {
        Trainer trainer = Trainer.create(imageModel(), TrainingOptions.builder().seed(1).build());
        String summary = trainer.summary();
        for (String expected : new String[] {"LayerNormalization(epsilon 0.001)",
            "AveragePooling2D(3x3, stride 2, same)", "UpSampling2D(2x2, bilinear)", "UpSampling2D(2x2, nearest)",
            "Concatenate(axis -1)", "Conv2DTranspose(2, 3x3, stride 1, same) tanh",
            "Conv2DTranspose(2, 1x1, stride 2, valid) tanh", "Add", "GlobalAveragePooling2D", "Softmax(axis 3)", "Softmax(axis -1)",
            "shared trunk", "  layer_norm_0 ", "  conv2d_transpose_1 ", "  global_avg_pool2d_0 "}) {
            assertTrue(summary.contains(expected), expected + " in\n" + summary);
        }
        Map<String, INDArray> p = trainer.parameters();
        assertEquals(List.of(4L), List.of(p.get("trunk/layer_norm_0/gamma").length()));
        assertEquals(Nd4j.ones(DataType.FLOAT, 4), p.get("trunk/layer_norm_0/gamma"));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 4), p.get("trunk/layer_norm_0/beta"));
        // Keras' layout [kH, kW, filters, in]: 8 input channels (concatenated), 2 filters.
        assertEquals(List.of(3L, 3L, 2L, 8L), boxed(p.get("map/conv2d_transpose_0/W").shape()));
        assertEquals(List.of(2L), boxed(p.get("map/conv2d_transpose_0/b").shape()));
        // Glorot-uniform within Keras' limit sqrt(6 / (fanIn + fanOut)), fans 3·3·2 and 3·3·8.
        double limit = Math.sqrt(6.0 / (18 + 72));
        INDArray w = p.get("map/conv2d_transpose_0/W");
        assertTrue(w.amaxNumber().doubleValue() <= limit && w.amaxNumber().doubleValue() > limit / 2);
    }

    @Test
    void savedAndLoadedModelPredictsTheSame(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder)
            throws java.io.IOException {
        ModelSpec spec = imageModel();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(3).build());
        Random random = new Random(3);
        trainer.fit(TestData.inputs(spec, 4, random, DataType.FLOAT), TestData.targets(spec, 4, random,
                DataType.FLOAT));
        java.nio.file.Path file = folder.resolve("stateless.bw");
        trainer.save(file);
        Trainer loaded = Trainer.load(spec, file);
        INDArray[] x = TestData.inputs(spec, 3, random, DataType.FLOAT);
        INDArray[] expected = trainer.predictor().predict(x);
        INDArray[] actual = loaded.predictor().predict(x);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], spec.branches().get(i).name());
        }
    }

    private static List<Long> boxed(long[] shape) {
        return java.util.Arrays.stream(shape).boxed().toList();
    }

    @Test
    void wrongInputsAreErrorsNamingTheLayerAtBuildTime() {
        expectError("layerNorm 'y/layer_norm_0' needs a floating-point input", new long[] {4},
                (nn, x) -> nn.layerNorm(x.castTo(DataType.INT32)));
        expectError("layerNorm 'y/layer_norm_0': epsilon must be positive", new long[] {4},
                (nn, x) -> nn.layerNorm(x, 0));
        expectError("avgPool2d 'y/avg_pool2d_0' needs input of shape [batch, height, width, channels], got "
                + "[batch, 4]", new long[] {4}, (nn, x) -> nn.avgPool2d(x, 2));
        expectError("avgPool2d 'y/avg_pool2d_0': a 3x3 window with valid padding does not fit its input "
                + "[batch, 2, 5, 1]", new long[] {2, 5, 1}, (nn, x) -> nn.avgPool2d(x, 3));
        expectError("avgPool2d 'y/avg_pool2d_0': stride must be positive, got 0", new long[] {4, 4, 1},
                (nn, x) -> nn.avgPool2d(x, 2, 0, Padding.SAME));
        expectError("globalAvgPool2d 'y/global_avg_pool2d_0' needs input of shape [batch, height, width, "
                + "channels], got [batch, 3, 4]", new long[] {3, 4}, (nn, x) -> nn.globalAvgPool2d(x));
        expectError("upsample2d 'y/upsample2d_0' needs input of shape [batch, height, width, channels], got "
                + "[batch, 6]", new long[] {6}, (nn, x) -> nn.upsample2d(x, 2, Interpolation.BILINEAR));
        expectError("upsample2d 'y/upsample2d_0': width factor must be positive, got 0", new long[] {2, 2, 1},
                (nn, x) -> nn.upsample2d(x, 2, 0, Interpolation.NEAREST));
        expectError("conv2dTranspose 'y/conv2d_transpose_0' needs input of shape [batch, height, width, "
                + "channels], got [batch, 2, 3, 4, 1]", new long[] {2, 3, 4, 1},
                (nn, x) -> nn.conv2dTranspose(x, 2, 3, Activation.RELU));
        expectError("conv2dTranspose 'y/conv2d_transpose_0': filters must be positive, got -1",
                new long[] {3, 3, 1}, (nn, x) -> nn.conv2dTranspose(x, -1, 3, Activation.RELU));
        expectError("concat 'y/concat_0' along axis -1 needs inputs that agree on every other axis, got "
                + "'input/x' [batch, 3, 4], 'reshape", new long[] {3, 4},
                (nn, x) -> nn.concat(x, nn.dense(nn.flatten(x), 4).reshape(-1, 2, 2)));
        expectError("concat 'y/concat_0' needs inputs of one rank", new long[] {3, 4},
                (nn, x) -> nn.concat(x, nn.flatten(x)));
        expectError("concat 'y/concat_0': axis 0 is not an axis of its input [batch, 3, 4] other than the batch "
                + "axis; use 1..2 or -2..-1", new long[] {3, 4}, (nn, x) -> nn.concat(0, x, x));
        expectError("concat 'y/concat_0' needs at least 2 inputs, got 1", new long[] {3, 4},
                (nn, x) -> nn.concat(x));
        expectError("add 'y/add_0' needs inputs of one shape, got 'input/x' [batch, 3, 4], 'reduce_mean' [batch, 3, 1]", new long[] {3, 4},
                (nn, x) -> nn.add(x, x.mean(true, 2)));
        expectError("add 'y/add_0' needs inputs of one type, got 'input/x' FLOAT and", new long[] {3, 4},
                (nn, x) -> nn.add(x, x.castTo(DataType.DOUBLE)));
        expectError("softmax 'y/softmax_0': axis 3 is not an axis of its input [batch, 3, 4] other than the batch "
                + "axis", new long[] {3, 4}, (nn, x) -> nn.softmax(x, 3));
        expectError("softmax 'y/softmax_0': axis -3 is not an axis", new long[] {3, 4},
                (nn, x) -> nn.softmax(x, -3));
    }

    private static void expectError(String message, long[] inputShape,
                                    java.util.function.BiFunction<Layers, SDVariable, SDVariable> layer) {
        ModelSpec spec = ModelSpec.builder("test.Wrong")
                .input("x", inputShape)
                .branch("y", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers nn = scope.layers("y");
                    SDVariable out = layer.apply(nn, scope.input("x"));
                    scope.output("y", nn.dense(nn.flatten(out), 1));
                })
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkBuilder.build(spec, 1, DataType.FLOAT));
        assertTrue(e.getMessage().contains(message), "expected «" + message + "» in «" + e.getMessage() + "»");
    }
}

package io.github.branchwise.runtime.engine;


import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Interpolation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The stateless layers' forward outputs against PyTorch on the same inputs and weights: the archives under
 * {@code layers/stateless} come from {@code runtime/src/test/python/stateless_layers_reference.py} (run once; see
 * its header to regenerate), whose cases this table repeats. Each case runs in DOUBLE (the reference is computed in
 * double from the float32 values: 1e-9 of the output's scale) and in FLOAT (float32 tolerance, 2e-6 of the scale),
 * with the compiled executor and with SameDiff's.
 */
class StatelessLayersReferenceTest {
    private static final Map<String, BiFunction<Layers, SDVariable[], SDVariable>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("layer_norm_rank2", (nn, x) -> nn.layerNorm(x[0]));
        CASES.put("layer_norm_rank4", (nn, x) -> nn.layerNorm(x[0]));
        CASES.put("layer_norm_epsilon", (nn, x) -> nn.layerNorm(x[0], 0.01));
        CASES.put("layer_norm_one_feature", (nn, x) -> nn.layerNorm(x[0]));
        CASES.put("avg_pool_2_2_valid", (nn, x) -> nn.avgPool2d(x[0], 2));
        CASES.put("avg_pool_3_1_valid", (nn, x) -> nn.avgPool2d(x[0], 3, 1, Padding.VALID));
        CASES.put("avg_pool_3_2_same", (nn, x) -> nn.avgPool2d(x[0], 3, 2, Padding.SAME));
        CASES.put("avg_pool_2_1_same", (nn, x) -> nn.avgPool2d(x[0], 2, 1, Padding.SAME));
        CASES.put("avg_pool_3_3_same", (nn, x) -> nn.avgPool2d(x[0], 3, 3, Padding.SAME));
        CASES.put("global_avg_pool", (nn, x) -> nn.globalAvgPool2d(x[0]));
        CASES.put("global_avg_pool_1x1", (nn, x) -> nn.globalAvgPool2d(x[0]));
        CASES.put("global_avg_pool_1xw", (nn, x) -> nn.globalAvgPool2d(x[0]));
        CASES.put("upsample_nearest_2x2", (nn, x) -> nn.upsample2d(x[0], 2));
        CASES.put("upsample_nearest_2x3", (nn, x) -> nn.upsample2d(x[0], 2, 3, Interpolation.NEAREST));
        CASES.put("upsample_bilinear_2x2", (nn, x) -> nn.upsample2d(x[0], 2, Interpolation.BILINEAR));
        CASES.put("upsample_bilinear_3x2", (nn, x) -> nn.upsample2d(x[0], 3, 2, Interpolation.BILINEAR));
        CASES.put("upsample_bilinear_4x1", (nn, x) -> nn.upsample2d(x[0], 4, 1, Interpolation.BILINEAR));
        CASES.put("upsample_bilinear_1x1_input", (nn, x) -> nn.upsample2d(x[0], 2, Interpolation.BILINEAR));
        for (Padding padding : Padding.values()) {
            for (int[] ks : new int[][] {{3, 1}, {3, 2}, {2, 2}, {1, 2}, {4, 2}, {5, 2}, {4, 3}}) {
                CASES.put("conv_transpose_k" + ks[0] + "_s" + ks[1] + "_" + padding.name().toLowerCase(),
                        (nn, x) -> nn.conv2dTranspose(x[0], 3, ks[0], ks[1], padding, Activation.IDENTITY));
            }
        }
        CASES.put("conv_transpose_k3_s2_same_tanh",
                (nn, x) -> nn.conv2dTranspose(x[0], 3, 3, 2, Padding.SAME, Activation.TANH));
        CASES.put("concat_last", (nn, x) -> nn.concat(x));
        CASES.put("concat_axis1_three", (nn, x) -> nn.concat(1, x));
        CASES.put("concat_axis_minus2", (nn, x) -> nn.concat(-2, x));
        CASES.put("add_three", (nn, x) -> nn.add(x));
        CASES.put("softmax_rank2", (nn, x) -> nn.softmax(x[0]));
        CASES.put("softmax_rank3_axis1", (nn, x) -> nn.softmax(x[0], 1));
        CASES.put("softmax_rank4_axis2", (nn, x) -> nn.softmax(x[0], 2));
        CASES.put("softmax_rank4_last", (nn, x) -> nn.softmax(x[0], -1));
    }

    static Stream<Arguments> cases() {
        return CASES.keySet().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardMatchesPyTorch(String name) throws IOException {
        LayerReference.Archive archive = LayerReference.Archive.read(folder().resolve(name + ".npz"));
        LayerReference.assertForwardMatches(name, archive, spec(name, archive.inputs(), archive.expected()));
    }

    @Test
    void everyArchiveHasACase() throws IOException {
        LayerReference.assertEveryArchiveHasACase(folder(), CASES.keySet());
    }

    private static ModelSpec spec(String name, List<INDArray> inputs, INDArray expected) {
        ModelSpec.Builder builder = ModelSpec.builder("test.Reference_" + name);
        for (int i = 0; i < inputs.size(); i++) {
            long[] shape = inputs.get(i).shape();
            builder.input("x" + i, Arrays.copyOfRange(shape, 1, shape.length));
        }
        long[] out = expected.shape();
        // A model needs a trainable parameter to be created: the layers without any get a second branch that has one.
        return builder.branch("y", Arrays.copyOfRange(out, 1, out.length), Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("anchor", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0, 1.0))
                .graph(scope -> {
                    SDVariable[] x = new SDVariable[inputs.size()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = scope.input("x" + i);
                    }
                    scope.output("y", CASES.get(name).apply(scope.layers("y"), x));
                    Layers anchor = scope.layers("anchor");
                    scope.output("anchor", anchor.dense(anchor.flatten(x[0]), 1));
                })
                .build();
    }

    private static Path folder() {
        return LayerReference.folder("/layers/stateless");
    }
}

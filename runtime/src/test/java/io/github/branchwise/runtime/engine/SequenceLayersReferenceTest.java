package io.github.branchwise.runtime.engine;


import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.NumpyFiles;
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
 * The sequence layers' forward outputs against PyTorch ({@code nn.Embedding}, {@code nn.LSTM}, {@code nn.GRU},
 * {@code nn.MultiheadAttention} with {@code key_padding_mask}, {@code nn.Linear} on every step of a sequence) on the same inputs and weights: the archives under
 * {@code layers/sequence} come from {@code runtime/src/test/python/sequence_layers_reference.py} (run once; see its
 * header to regenerate and for the weight conversions), whose cases this table repeats. Each case runs in DOUBLE
 * (the reference is computed in double from the float32 values: 1e-9 of the output's scale) and in FLOAT (float32
 * tolerance, 2e-6 of the scale), with the compiled executor and with SameDiff's.
 */
class SequenceLayersReferenceTest {
    private static final Map<String, BiFunction<Layers, SDVariable[], SDVariable>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("embedding_11_4", (nn, x) -> nn.embedding(x[0], 11, 4));
        CASES.put("embedding_3_1", (nn, x) -> nn.embedding(x[0], 3, 1));
        CASES.put("lstm_last", (nn, x) -> nn.lstm(x[0], 5, false));
        CASES.put("lstm_sequence", (nn, x) -> nn.lstm(x[0], 5, true));
        CASES.put("lstm_one_step", (nn, x) -> nn.lstm(x[0], 2, true));
        CASES.put("gru_last", (nn, x) -> nn.gru(x[0], 5, false));
        CASES.put("gru_sequence", (nn, x) -> nn.gru(x[0], 5, true));
        CASES.put("gru_one_step", (nn, x) -> nn.gru(x[0], 2, true));
        CASES.put("attention_2x4", (nn, x) -> nn.selfAttention(x[0], 2, 4));
        CASES.put("attention_2x4_mask", (nn, x) -> nn.selfAttention(x[0], 2, 4, x[1]));
        CASES.put("attention_1x6_mask", (nn, x) -> nn.selfAttention(x[0], 1, 6, x[1]));
        CASES.put("attention_4x2", (nn, x) -> nn.selfAttention(x[0], 4, 2));
        CASES.put("dense_sequence_tanh", (nn, x) -> nn.dense(x[0], 3, io.github.branchwise.runtime.Activation.TANH));
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
        ModelSpec.Builder builder = ModelSpec.builder("test.SequenceReference_" + name);
        for (int i = 0; i < inputs.size(); i++) {
            long[] shape = inputs.get(i).shape();
            long[] example = Arrays.copyOfRange(shape, 1, shape.length);
            // NumpyFiles reads every archive as floating point: the embedding cases' x0 holds the ids.
            if (name.startsWith("embedding") && i == 0) {
                builder.input("x" + i, InputType.INT, 0, example);
            } else {
                builder.input("x" + i, example);
            }
        }
        long[] out = expected.shape();
        return builder.branch("y", Arrays.copyOfRange(out, 1, out.length), Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("anchor", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0, 1.0))
                .graph(scope -> {
                    SDVariable[] x = new SDVariable[inputs.size()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = scope.input("x" + i);
                    }
                    SDVariable y = CASES.get(name).apply(scope.layers("y"), x);
                    scope.output("y", y);
                    Layers anchor = scope.layers("anchor");
                    scope.output("anchor", anchor.dense(anchor.flatten(y), 1));
                })
                .build();
    }

    private static Path folder() {
        return LayerReference.folder("/layers/sequence");
    }
}

package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.NumpyFiles;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.nd4j.linalg.api.buffer.DataType;
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
        Map<String, INDArray> archive = NumpyFiles.readNpz(folder().resolve(name + ".npz"));
        List<INDArray> inputs = new ArrayList<>();
        Map<String, INDArray> weights = new LinkedHashMap<>();
        archive.forEach((key, value) -> {
            if (key.matches("x\\d+")) {
                inputs.add(value);
            } else if (!key.equals("y")) {
                weights.put(key, value);
            }
        });
        INDArray expected = archive.get("y");
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (ExecutorKind executor : new ExecutorKind[] {ExecutorKind.COMPILED, ExecutorKind.SAMEDIFF}) {
                String where = name + " " + type + " " + executor;
                Trainer trainer = Trainer.create(spec(name, inputs, expected), TrainingOptions.builder().seed(1)
                        .dataType(type).executor(executor).build());
                Map<String, INDArray> named = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> weight : weights.entrySet()) {
                    List<String> matches = trainer.parameters().keySet().stream()
                            .filter(p -> p.startsWith("y/") && p.endsWith("/" + weight.getKey())).toList();
                    assertEquals(1, matches.size(), where + ": parameters " + trainer.parameters().keySet());
                    named.put(matches.get(0), weight.getValue());
                }
                assertEquals(weights.size(), trainer.parameters().keySet().stream().filter(p -> p.startsWith("y/"))
                        .count(), where + ": every parameter of the layer is set");
                trainer.setParameters(named);
                INDArray[] x = inputs.stream().map(a -> a.castTo(type)).toArray(INDArray[]::new);
                INDArray actual = trainer.predictor().predict(x)[0];
                assertClose(expected, actual, type == DataType.DOUBLE ? 1e-9 : 2e-6, where);
            }
        }
    }

    @Test
    void everyArchiveHasACase() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            List<String> archives = files.map(p -> p.getFileName().toString().replace(".npz", "")).sorted().toList();
            assertEquals(CASES.keySet().stream().sorted().toList(), archives);
        }
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

    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.castTo(DataType.DOUBLE).dup().data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup().data().asDouble();
        double scale = 1e-3;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= relative * scale)) {
                fail(what + " differs at " + i + ": expected " + e[i] + " but was " + a[i] + " (scale " + scale
                        + ")\nexpected " + Arrays.toString(e) + "\nactual   " + Arrays.toString(a));
            }
        }
        assertTrue(e.length > 0, what);
    }

    private static Path folder() {
        try {
            return Path.of(SequenceLayersReferenceTest.class.getResource("/layers/sequence").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

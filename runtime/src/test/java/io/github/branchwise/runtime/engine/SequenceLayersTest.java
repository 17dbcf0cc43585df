package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelDefinition;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The sequence layers' rules: wrong input ranks, types and sizes are errors naming the layer when the graph is built;
 * integer inputs are checked batch by batch against the vocabulary, naming the input and the row, before any update;
 * Keras' initial values; the summary; save and load with an integer input.
 */
class SequenceLayersTest {
    @TempDir
    Path dir;

    // ----- build-time errors, each naming the layer -----

    @Test
    void embeddingNeedsIntegerIdsWithAStepAxis() {
        assertBuildFails(ModelSpec.builder("test.E1").input("x", 4), (nn, x) -> nn.embedding(x, 5, 2),
                "'y/embedding_0' needs integer ids", "of type FLOAT");
        assertBuildFails(ModelSpec.builder("test.E2").input("x", InputType.INT, 0, new long[0]),
                (nn, x) -> nn.embedding(x, 5, 2), "'y/embedding_0' needs ids of shape [batch, ...]", "got [batch]");
        assertBuildFails(ModelSpec.builder("test.E3").input("x", InputType.INT, 0, 4),
                (nn, x) -> nn.embedding(x, 0, 2), "'y/embedding_0': vocabulary must be positive, got 0");
        assertBuildFails(ModelSpec.builder("test.E4").input("x", InputType.INT, 0, 4),
                (nn, x) -> nn.embedding(x, 3, -1), "'y/embedding_0': dimension must be positive, got -1");
    }

    @Test
    void anEmbeddingSmallerThanTheDeclaredVocabularyIsRefused() {
        assertBuildFails(ModelSpec.builder("test.E5").input("x", InputType.INT, 10, 4),
                (nn, x) -> nn.embedding(x, 8, 2), "the embedding 'y/embedding_0' has a table of 8 rows but input 'x' "
                        + "declares vocabulary 10, so ids 8..9 would find no row");
    }

    @Test
    void recurrentLayersNeedFloatingSequences() {
        for (String kind : new String[] {"lstm", "gru"}) {
            BiFunction<Layers, SDVariable, SDVariable> layer = (nn, x) -> kind.equals("lstm")
                    ? nn.lstm(x, 3, false) : nn.gru(x, 3, true);
            assertBuildFails(ModelSpec.builder("test.R1" + kind).input("x", 4), layer,
                    "'y/" + kind + "_0' needs input of shape [batch, steps, features], got [batch, 4]");
            assertBuildFails(ModelSpec.builder("test.R2" + kind).input("x", 2, 3, 4), layer,
                    "'y/" + kind + "_0' needs input of shape [batch, steps, features], got [batch, 2, 3, 4]");
            assertBuildFails(ModelSpec.builder("test.R3" + kind).input("x", InputType.INT, 5, 4, 2), layer,
                    "'y/" + kind + "_0' needs floating-point input", "integer ids go through embedding first");
            assertBuildFails(ModelSpec.builder("test.R4" + kind).input("x", 4, 2),
                    (nn, x) -> kind.equals("lstm") ? nn.lstm(x, 0, false) : nn.gru(x, 0, false),
                    "'y/" + kind + "_0': units must be positive, got 0");
        }
    }

    @Test
    void attentionNeedsASequenceAndAMaskOfItsSteps() {
        assertBuildFails(ModelSpec.builder("test.A1").input("x", 6), (nn, x) -> nn.selfAttention(x, 2, 3),
                "'y/self_attention_0' needs input of shape [batch, steps, features], got [batch, 6]");
        assertBuildFails(ModelSpec.builder("test.A2").input("x", 4, 6), (nn, x) -> nn.selfAttention(x, 0, 3),
                "'y/self_attention_0': heads must be positive, got 0");
        ModelSpec.Builder wrongSteps = ModelSpec.builder("test.A3").input("x", 4, 6).input("mask", 5);
        assertBuildFails(wrongSteps, (nn, x) -> nn.selfAttention(x, 2, 3, nn.sameDiff().getVariable("input/mask")),
                "'y/self_attention_0' needs a padding mask of shape [batch, 4]", "got [batch, 5]");
        ModelSpec.Builder intMask = ModelSpec.builder("test.A4").input("x", 4, 6).input("mask", InputType.INT, 2, 4);
        assertBuildFails(intMask, (nn, x) -> nn.selfAttention(x, 2, 3, nn.sameDiff().getVariable("input/mask")),
                "'y/self_attention_0' needs a padding mask of the input's type FLOAT", "of type INT");
    }

    @Test
    void denseNeedsAFeatureAxis() {
        assertBuildFails(ModelSpec.builder("test.D1").input("x", 4),
                (nn, x) -> nn.dense(x.sum(1), 2), "dense 'y/dense_0' needs input of shape [batch, ..., features], "
                        + "got [batch]");
    }

    // ----- integer inputs, batch by batch -----

    @Test
    void idsOutsideTheEmbeddingAreNamedByInputAndRowBeforeAnyUpdate() {
        Trainer trainer = recurrent();
        Map<String, INDArray> before = trainer.parameters();
        INDArray ids = Nd4j.createFromArray(new int[][] {{0, 1, 2}, {3, 4, 5}, {5, 6, 0}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(new INDArray[] {ids}, targets(3)));
        assertEquals("test.Recurrent: input 'ids' must hold integer ids in [0, 6) (the vocabulary @Input declares), "
                + "but row 2 holds 6 at [2, 1]", e.getMessage());
        ids.putScalar(new long[] {2, 1}, -1);
        e = assertThrows(IllegalArgumentException.class, () -> trainer.predictor().predict(new INDArray[] {ids}));
        assertTrue(e.getMessage().contains("but row 2 holds -1 at [2, 1]"), e.getMessage());
        assertEquals(0, trainer.iteration());
        before.forEach((name, value) -> assertEquals(value, trainer.parameters().get(name), name));
    }

    @Test
    void theEmbeddingBoundsIdsAnInputDoesNotBound() {
        ModelSpec spec = ModelSpec.builder("test.Unbounded")
                .input("ids", InputType.INT, 0, 2)
                .branch("a", new long[] {2, 3}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1, 1))
                .graph(scope -> {
                    Layers a = scope.layers("a");
                    SDVariable small = a.embedding(scope.input("ids"), 4, 3);
                    scope.output("a", small);
                    Layers b = scope.layers("b");
                    scope.output("b", b.dense(b.flatten(b.embedding(scope.input("ids"), 9, 2)), 1));
                })
                .build();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(2).build());
        INDArray ok = Nd4j.createFromArray(new long[][] {{0, 3}, {2, 1}});
        assertEquals(2, trainer.predictor().predict(new INDArray[] {ok})[0].size(0), "LONG ids are taken");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.predictor()
                .predict(new INDArray[] {Nd4j.createFromArray(new long[][] {{0, 3}, {4, 1}})}));
        assertEquals("test.Unbounded: input 'ids' must hold integer ids in [0, 4) (the vocabulary of the embedding "
                + "'a/embedding_0'), but row 1 holds 4 at [1, 0]", e.getMessage());
    }

    @Test
    void floatingIdsMustBeWholeNumbers() {
        Trainer trainer = recurrent();
        INDArray whole = Nd4j.createFromArray(new float[][] {{0, 1, 2}, {3, 4, 5}});
        INDArray expected = trainer.predictor().predict(new INDArray[] {whole.castTo(DataType.INT)})[0];
        assertEquals(expected, trainer.predictor().predict(new INDArray[] {whole})[0], "whole floats are ids");
        whole.putScalar(new long[] {1, 2}, 2.5f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.predictor().predict(new INDArray[] {whole}));
        assertTrue(e.getMessage().endsWith("but row 1 holds 2.5 at [1, 2], which is not a whole number"),
                e.getMessage());
        whole.putScalar(new long[] {0, 0}, Float.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> trainer.predictor().predict(new INDArray[] {whole}));
        assertTrue(e.getMessage().contains("but row 0 holds NaN at [0, 0]"), e.getMessage());
    }

    @Test
    void idsOfTheWrongShapeOrKindAreRefused() {
        Trainer trainer = recurrent();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.predictor().predict(new INDArray[] {Nd4j.zeros(DataType.INT, 2, 4)}));
        assertTrue(e.getMessage().contains("input 'ids' must have shape [batch, 3], got [2, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> trainer.predictor().predict(new INDArray[] {Nd4j.create(DataType.BOOL, 2, 3)}));
        assertTrue(e.getMessage().contains("must hold numbers"), e.getMessage());
    }

    // ----- initial values, summary, files -----

    @Test
    void initialValuesFollowKeras() {
        Map<String, INDArray> p = recurrent().parameters();
        INDArray table = p.get("words/embedding_0/E");
        assertArrayEquals(new long[] {SequenceModels.VOCABULARY, 4}, table.shape());
        assertTrue(Transforms.abs(table, true).maxNumber().doubleValue() <= 0.05, "uniform(-0.05, 0.05)");
        assertTrue(table.stdNumber().doubleValue() > 0.01, "not constant");
        INDArray bias = p.get("a/lstm_0/b");
        assertEquals(Nd4j.createFromArray(0f, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0), bias, "unit_forget_bias");
        for (String u : new String[] {"a/lstm_0/U", "b/gru_0/U"}) {
            INDArray recurrent = p.get(u).castTo(DataType.DOUBLE);
            // [units, gates·units]: orthonormal rows.
            INDArray gram = recurrent.mmul(recurrent.transpose());
            assertTrue(gram.equalsWithEps(Nd4j.eye(recurrent.rows()).castTo(DataType.DOUBLE), 1e-6), u + " · " + u + "ᵀ = I: " + gram);
        }
        assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 9), p.get("b/gru_0/b"));
        double limit = Math.sqrt(6.0 / (4 + 12));
        assertTrue(Transforms.abs(p.get("a/lstm_0/W"), true).maxNumber().doubleValue() <= limit, "glorot");
        assertEquals(p, recurrent().parameters(), "the same seed, the same values");
    }

    @Test
    void summaryShowsIdsAndTheSequenceLayers() {
        String summary = Trainer.create(SequenceModels.attention(WeightingSpec.fixed(1, 1)),
                TrainingOptions.builder().seed(1).build()).summary();
        assertTrue(summary.contains("SelfAttention(2 heads of 2, masked)"), summary);
        assertTrue(summary.contains("SelfAttention(1 head of 3)"), summary);
        assertTrue(summary.contains("LSTM(3, sequence)"), summary);
        // Dense(2) over every step of [batch, 3, 3]: one 3x2 kernel and 2 biases.
        assertTrue(summary.matches("(?s).*Dense\\(2\\) tanh +\\[batch, 3, 2\\] +8\\n.*"), summary);
        String recurrent = recurrent().summary();
        assertTrue(recurrent.contains("Input (ids)"), recurrent);
        assertTrue(recurrent.contains("Embedding(6, 4)"), recurrent);
        assertTrue(recurrent.contains("GRU(3, sequence)"), recurrent);
        // LSTM(3) over 4 features: 4·(4·3) + 3·(4·3) + 4·3 = 96; GRU(3): 4·9 + 3·9 + 2·9 = 81.
        assertTrue(recurrent.matches("(?s).*LSTM\\(3, last state\\).* 96\\n.*"), recurrent);
        assertTrue(recurrent.matches("(?s).*GRU\\(3, sequence\\).* 81\\n.*"), recurrent);
    }

    @Test
    void aModelWithIdsSavesAndLoads() throws IOException {
        Trainer trainer = recurrent();
        Random random = new Random(5);
        INDArray ids = SequenceModels.input(trainer.spec().inputs().get(0), 4, random, DataType.FLOAT);
        trainer.fit(new INDArray[] {ids}, targets(4));
        Path file = dir.resolve("recurrent.bw");
        trainer.save(file);
        Trainer loaded = Trainer.load(trainer.spec(), file);
        assertEquals(trainer.predictor().predict(new INDArray[] {ids})[1],
                loaded.predictor().predict(new INDArray[] {ids})[1]);
    }

    @Test
    void inputSpecsCheckTheirVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> new InputSpec("x", new long[] {2}, InputType.FLOAT, 3));
        assertThrows(IllegalArgumentException.class, () -> new InputSpec("x", new long[] {2}, InputType.INT, -1));
        assertThrows(IllegalArgumentException.class,
                () -> new InputSpec("x", new long[] {2}, InputType.INT, 1L << 31));
        assertEquals("ids[3] ids < 7", new InputSpec("ids", new long[] {3}, InputType.INT, 7).toString());
    }

    private static Trainer recurrent() {
        return Trainer.create(SequenceModels.recurrent(WeightingSpec.fixed(1, 1)),
                TrainingOptions.builder().seed(4).updater(new Sgd(0.1)).build());
    }

    private static INDArray[] targets(int batch) {
        return new INDArray[] {Nd4j.rand(DataType.FLOAT, batch, 2), Nd4j.rand(DataType.FLOAT, batch, 1)};
    }

    /** Builds a model whose branch {@code y} applies {@code layer} to input {@code x}, expecting an error. */
    private static void assertBuildFails(ModelSpec.Builder builder, BiFunction<Layers, SDVariable, SDVariable> layer,
                                         String... fragments) {
        ModelDefinition graph = scope -> {
            SDVariable y = layer.apply(scope.layers("y"), scope.input("x"));
            scope.output("y", y);
            scope.output("z", scope.layers("z").dense(scope.layers("z").flatten(y), 1));
        };
        ModelSpec spec = builder.branch("y", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("z", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1, 1)).graph(graph).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.create(spec, TrainingOptions.defaults()));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        }
    }
}

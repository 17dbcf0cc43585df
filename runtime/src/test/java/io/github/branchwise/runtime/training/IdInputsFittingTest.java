package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A fitting over whole arrays of integer ids: an id outside the embedding (which the input does not bound itself) is
 * reported by its row in the array as given before the first step, and a clean sequence model learns.
 */
class IdInputsFittingTest {
    private static final int STEPS = 5;
    private static final int VOCABULARY = 7;

    /** Ids [5] embedded, an LSTM over them; "count" regresses the number of ids equal to 3, "first" the first id. */
    private static ModelSpec spec() {
        return ModelSpec.builder("test.Counting")
                .input("ids", InputType.INT, 0, STEPS)
                .branch("count", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("first", new long[] {VOCABULARY}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.fixed(1, 1))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable states = trunk.lstm(trunk.embedding(scope.input("ids"), VOCABULARY, 8), 16, true);
                    Layers count = scope.layers("count");
                    scope.output("count", count.dense(count.flatten(states), 1));
                    Layers first = scope.layers("first");
                    scope.output("first", first.activation(first.dense(first.flatten(states), VOCABULARY),
                            io.github.branchwise.runtime.Activation.SOFTMAX));
                })
                .build();
    }

    private static INDArray[][] data(int n, long seed) {
        java.util.Random random = new java.util.Random(seed);
        int[][] ids = new int[n][STEPS];
        float[][] count = new float[n][1];
        float[][] first = new float[n][VOCABULARY];
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < STEPS; s++) {
                ids[i][s] = random.nextInt(VOCABULARY);
                count[i][0] += ids[i][s] == 3 ? 1 : 0;
            }
            first[i][ids[i][0]] = 1;
        }
        return new INDArray[][] {{Nd4j.createFromArray(ids)},
                {Nd4j.createFromArray(count), Nd4j.createFromArray(first)}};
    }

    @Test
    void anIdOutsideTheEmbeddingIsReportedByItsRowBeforeTheFirstStep() {
        INDArray[][] data = data(200, 1);
        data[0][0].putScalar(new long[] {137, 4}, VOCABULARY);
        Fitting fitting = Fitting.of(Trainer.create(spec(), TrainingOptions.builder().seed(3).build()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fitting.fit(
                DataSource.arrays(data[0], data[1], 16), FitConfig.builder().epochs(1).silent().build()));
        assertEquals("test.Counting: input 'ids' must hold integer ids in [0, 7) (the vocabulary of the embedding "
                + "'trunk/embedding_0'), but row 137 holds 7 at [137, 4]", e.getMessage());
        assertEquals(0, fitting.trainer().iteration());
    }

    @Test
    void aSequenceModelLearnsFromIds() {
        INDArray[][] train = data(512, 2);
        Fitting fitting = Fitting.of(Trainer.create(spec(), TrainingOptions.builder().seed(3)
                .updater(new Adam(0.01)).dataType(DataType.FLOAT).build()));
        Trainer trainer = fitting.trainer();
        double before = trainer.evaluate(train[0], train[1]).total();
        fitting.fit(DataSource.arrays(train[0], train[1], 32), FitConfig.builder().epochs(8).silent().build());
        double after = trainer.evaluate(train[0], train[1]).total();
        assertTrue(after < 0.25 * before, "loss " + before + " -> " + after);
    }
}

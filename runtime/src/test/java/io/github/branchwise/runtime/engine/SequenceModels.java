package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Models with the sequence layers (issue 14), written as the processor would generate them, and the inputs they
 * need: integer ids, and padding masks for inputs named {@code mask}.
 */
final class SequenceModels {
    /** The vocabulary of {@link #recurrent}'s ids. */
    static final int VOCABULARY = 6;

    private SequenceModels() {
    }

    /**
     * Ids {@code [3]} through a shared embedding; branch {@code a} an LSTM's last state into a dense head, branch
     * {@code b} a GRU's whole sequence, flattened into another.
     */
    static ModelSpec recurrent(WeightingSpec weighting) {
        return ModelSpec.builder("test.Recurrent")
                .input("ids", InputType.INT, VOCABULARY, 3)
                .branch("a", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {1}, Loss.HUBER, 0.7)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable embedded = scope.layers("words").embedding(scope.input("ids"), VOCABULARY, 4);
                    Layers a = scope.layers("a");
                    scope.output("a", a.dense(a.lstm(embedded, 3, false), 2, Activation.TANH));
                    Layers b = scope.layers("b");
                    scope.output("b", b.dense(b.flatten(b.gru(embedded, 3, true)), 1));
                })
                .build();
    }

    /**
     * Features {@code [3, 4]} and a padding mask {@code [3]}; branch {@code a} masked self-attention (2 heads of 2),
     * branch {@code b} unmasked attention (1 head of 3), an LSTM's sequence and a dense layer over every step.
     */
    static ModelSpec attention(WeightingSpec weighting) {
        return ModelSpec.builder("test.Attention")
                .input("x", 3, 4)
                .input("mask", 3)
                .branch("a", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {3, 2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers a = scope.layers("a");
                    SDVariable attended = a.selfAttention(scope.input("x"), 2, 2, scope.input("mask"));
                    scope.output("a", a.dense(a.flatten(attended), 2, Activation.TANH));
                    Layers b = scope.layers("b");
                    SDVariable sequence = b.lstm(b.selfAttention(scope.input("x"), 1, 3), 3, true);
                    scope.output("b", b.dense(sequence, 2, Activation.TANH));
                })
                .build();
    }

    /**
     * The array for one input when it needs special values, else null: ids uniform in {@code [0, vocabulary)} (5
     * when the input declares none) as INT, and for an input named {@code mask} rows of ones followed by zeros,
     * at least one step real.
     */
    static INDArray input(InputSpec input, int batch, Random random, DataType type) {
        long[] shape = io.github.branchwise.runtime.internal.Shapes.withBatch(batch, input.shape());
        int n = (int) io.github.branchwise.runtime.internal.Shapes.size(shape);
        if (input.isIds()) {
            int vocabulary = input.vocabulary() > 0 ? (int) input.vocabulary() : 5;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = random.nextInt(vocabulary);
            }
            return Nd4j.createFromArray(ids).reshape(shape);
        }
        if (input.name().equals("mask")) {
            int steps = (int) input.shape()[0];
            double[] mask = new double[n];
            for (int row = 0; row < batch; row++) {
                int length = 1 + random.nextInt(steps);
                for (int s = 0; s < length; s++) {
                    mask[row * steps + s] = 1;
                }
            }
            return Nd4j.createFromArray(mask).reshape(shape).castTo(type);
        }
        return null;
    }
}

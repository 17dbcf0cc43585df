package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains the question's two-input model on small synthetic data: {@code x1} should learn
 * {@code relu(first · (1, -1, 2, 0.5) + 0.5)} and {@code x2} should learn {@code relu(second · M)} for a fixed M.
 */
public final class QuestionExample {
    private static final int STEPS = 300;

    private QuestionExample() {
    }

    /** Normal samples from a Java random stream: reproducible, unlike ND4J's global generator here. */
    private static INDArray gaussian(java.util.Random random, int rows, int columns) {
        float[][] values = new float[rows][columns];
        for (float[] row : values) {
            for (int j = 0; j < columns; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return Nd4j.createFromArray(values);
    }

    /** Runs the example; takes no arguments. */
    public static void main(String[] args) {
        int n = 64;
        java.util.Random random = new java.util.Random(7);
        INDArray first = gaussian(random, n, 4);
        INDArray second = gaussian(random, n, 3);
        INDArray w1 = Nd4j.createFromArray(new float[][] {{1}, {-1}, {2}, {0.5f}});
        INDArray w2 = Nd4j.createFromArray(new float[][] {{1, 0}, {0.5f, -1}, {-0.5f, 2}});
        INDArray x1 = org.nd4j.linalg.ops.transforms.Transforms.relu(first.mmul(w1).addi(0.5f));
        INDArray x2 = org.nd4j.linalg.ops.transforms.Transforms.relu(second.mmul(w2));
        QuestionModelBatch batch = new QuestionModelBatch(first, second, x1, x2);

        QuestionModelTrainingModel model = QuestionModelTrainingModel.create(
                TrainingOptions.builder().seed(1).updater(new Adam(0.02)).build());
        System.out.println("step   total     x1        x2        weight(x1) weight(x2)");
        for (int step = 1; step <= STEPS; step++) {
            QuestionModelLosses losses = model.fit(batch);
            if (step == 1 || step % 50 == 0) {
                QuestionModelLossWeights weights = model.weights();
                System.out.println(String.format(Locale.ROOT, "%4d   %.5f   %.5f   %.5f   %.4f     %.4f", step,
                        losses.total(), losses.x1(), losses.x2(), weights.x1(), weights.x2()));
            }
        }
        QuestionModelPrediction prediction = model.predictionModel().predict(first, second);
        System.out.println();
        StringBuilder predicted = new StringBuilder();
        StringBuilder target = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            // example(i): example i of every branch output as Java arrays.
            predicted.append(String.format(Locale.ROOT, " %.4f", prediction.example(i).x1()[0]));
            target.append(String.format(Locale.ROOT, " %.4f", x1.getDouble(i, 0)));
        }
        System.out.println("x1 predicted vs target (first 4):" + predicted + " vs" + target);

        // One example from plain Java arrays, one per input: x1 = relu(1 + 0.5) = 1.5, x2 = relu(0.5, -1) = (0.5, 0).
        QuestionModelExamplePrediction one = model.predictionModel().predict(new float[] {1, 0, 0, 0},
                new float[] {0, 1, 0});
        System.out.println(String.format(Locale.ROOT, "first = (1, 0, 0, 0), second = (0, 1, 0): x1 %.4f (target "
                + "1.5), x2 (%.4f, %.4f) (target (0.5, 0))", one.x1()[0], one.x2()[0], one.x2()[1]));
        System.out.println();
        System.out.println("Note: with TRAINABLE weighting, d(total)/d(alpha) = L1 - L2 does not depend on alpha, so alpha");
        System.out.println("runs to the bound that favours the smaller loss and the other branch stops learning. See the");
        System.out.println("README's strategy table (UNCERTAINTY, GRADNORM, ...) for weightings that avoid this collapse.");
    }
}

package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Trains the seed model on the seed's data, as the Keras answer does: inputs {@code zeros(7, 5, 5, 2)}, targets
 * all ones, 50 epochs of one batch with SGD at learning rate 0.01; prints the branch losses and the loss weights
 * every 10 epochs, then the predictions.
 */
public final class SeedExample {
    private static final int EPOCHS = 50;

    private SeedExample() {
    }

    /** Runs the example; takes no arguments. */
    public static void main(String[] args) {
        DetectorTrainingModel model = DetectorTrainingModel.create(
                TrainingOptions.builder().seed(42).updater(new Sgd(0.01)).build());
        INDArray images = Nd4j.zeros(7, 5, 5, 2);
        DetectorBatch batch = new DetectorBatch(images, Nd4j.ones(7, 3, 3, 1), Nd4j.ones(7, 2));

        System.out.println("epoch  total     localization  classification  alpha    1-alpha");
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
            DetectorLosses losses = model.fit(batch);
            if (epoch == 1 || epoch % 10 == 0) {
                DetectorLossWeights weights = model.weights();
                System.out.println(String.format(Locale.ROOT, "%5d  %.6f  %.6f      %.6f        %.6f %.6f",
                        epoch, losses.total(), losses.localization(), losses.classification(),
                        weights.localization(), weights.classification()));
            }
        }

        DetectorPrediction prediction = model.predictionModel().predict(images);
        System.out.println();
        // One example of the batch as Java arrays: the 3x3x1 map flattened row-major, cell (r, c) at r * 3 + c.
        double[] map = prediction.example(0).localization();
        System.out.println("localization of example 0 (3x3):");
        for (int r = 0; r < 3; r++) {
            System.out.println(String.format(Locale.ROOT, "  %.4f %.4f %.4f", map[r * 3], map[r * 3 + 1],
                    map[r * 3 + 2]));
        }
        System.out.println("classification (7x2): " + prediction.classification());

        // One new example from plain Java: the 5x5x2 image as 50 values, row-major (NHWC: the 2 channels of a pixel
        // are adjacent). The seed's images are all zeros.
        DetectorExamplePrediction one = model.predictionModel().predict(new float[50]);
        System.out.println("classification of one all-zero image: " + Arrays.toString(one.classification()));
    }
}

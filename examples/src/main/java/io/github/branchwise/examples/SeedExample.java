package io.github.branchwise.examples;

import io.github.branchwise.runtime.TrainingOptions;
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
        System.out.println("localization of example 0 (3x3): "
                + prediction.localization().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).reshape(3, 3));
        System.out.println("classification (7x2): " + prediction.classification());
    }
}

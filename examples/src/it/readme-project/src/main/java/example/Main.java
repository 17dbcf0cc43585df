package example;

import io.github.branchwise.runtime.TrainingOptions;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** README's lines of use: one training step, a batch prediction and a plain-Java one with the generated types. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        DetectorTrainingModel model = DetectorTrainingModel.create(
                TrainingOptions.builder().updater(new Sgd(0.01)).build());
        DetectorLosses losses = model.fit(new DetectorBatch(Nd4j.rand(7, 5, 5, 2), Nd4j.rand(7, 3, 3, 1),
                Nd4j.rand(7, 2)));
        DetectorPrediction prediction = model.predictionModel().predict(Nd4j.rand(7, 5, 5, 2));
        // One example from plain Java: the 5x5x2 image as 50 values, row-major.
        double[] classification = model.predictionModel().predict(new float[50]).classification();
        System.out.println("README project: total " + losses.total() + ", localization "
                + java.util.Arrays.toString(prediction.localization().shape()) + ", one example's classification "
                + java.util.Arrays.toString(classification));
    }
}

package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** Trains {@link Awkward} through the generated API; {@code FitApiTest} runs it. */
public final class AwkwardFits {
    private AwkwardFits() {
    }

    /** The array overload takes (config, batchSize, data, batchSize_, config_); regression metrics by hand. */
    public static void regressionMetricsAreTheHandComputedOnes() {
        INDArray[] train = data(30, 1);
        INDArray[] val = data(10, 2);
        AwkwardTrainingModel model = AwkwardTrainingModel.create(
                TrainingOptions.builder().seed(3).updater(new Sgd(0.05)).build());
        AwkwardHistory history = model.fit(train[0], train[1], train[2], 10, FitConfig.builder().epochs(2).silent()
                .validation(AwkwardTrainingModel.data(val[0], val[1], val[2], 4))
                .build());
        AwkwardEpoch last = history.lastEpoch().orElseThrow();
        AwkwardMetrics metrics = last.validationMetrics().orElseThrow();
        AwkwardPrediction prediction = model.predictionModel().predict(val[0]);
        assertEquals(mae(prediction.batchSize(), val[1]), metrics.batchSizeMae(), 1e-6);
        assertEquals(rmse(prediction.batchSize(), val[1]), metrics.batchSizeRmse(), 1e-6);
        assertEquals(mae(prediction.data(), val[2]), metrics.dataMae(), 1e-6);
        assertEquals(rmse(prediction.data(), val[2]), metrics.dataRmse(), 1e-6);
        assertEquals(1.0, last.weights().batchSize());
        assertEquals(0.5, last.weights().data());
        AwkwardLosses losses = last.losses();
        assertEquals(losses.batchSize() + 0.5 * losses.data(), losses.total(), 1e-5);
    }

    static INDArray[] data(int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * 3];
        float[] a = new float[n];
        float[] b = new float[n * 2];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                x[i * 3 + k] = (float) random.nextGaussian();
            }
            a[i] = x[i * 3] - x[i * 3 + 1];
            b[i * 2] = 2 * x[i * 3 + 2];
            b[i * 2 + 1] = -x[i * 3];
        }
        return new INDArray[] {Nd4j.create(x, new long[] {n, 3}, 'c'), Nd4j.create(a, new long[] {n, 1}, 'c'),
            Nd4j.create(b, new long[] {n, 2}, 'c')};
    }

    static double mae(INDArray prediction, INDArray target) {
        double[] p = prediction.dup('c').data().asDouble();
        double[] t = target.dup('c').data().asDouble();
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum += Math.abs(p[i] - t[i]);
        }
        return sum / p.length;
    }

    static double rmse(INDArray prediction, INDArray target) {
        double[] p = prediction.dup('c').data().asDouble();
        double[] t = target.dup('c').data().asDouble();
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum += (p[i] - t[i]) * (p[i] - t[i]);
        }
        return Math.sqrt(sum / p.length);
    }
}

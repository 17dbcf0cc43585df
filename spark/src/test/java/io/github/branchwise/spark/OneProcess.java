package io.github.branchwise.spark;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * What synchronous Spark training must equal: {@link SparkTrunk} trained in one process on the global batches that
 * {@link SparkTrainer}'s class comment defines (step s concatenates rows [s·b, (s+1)·b) of every partition).
 */
final class OneProcess {
    private OneProcess() {
    }

    /** The test model with the options every Spark test uses. */
    static SparkTrunkTrainingModel model(LossWeighting weighting, DataType type) {
        return SparkTrunkTrainingModel.create(TrainingOptions.builder().seed(5).updater(new Adam(0.05))
                .weighting(weighting).dataType(type).build());
    }

    /**
     * Trains a fresh model on the global batches of {@code partitions}.
     *
     * @return the trainer after {@code epochs} epochs and the losses of every step
     */
    static Run train(LossWeighting weighting, DataType type, List<List<Example>> partitions, int perPartition,
                     int epochs) {
        Trainer trainer = model(weighting, type).trainer();
        int longest = partitions.stream().mapToInt(List::size).max().orElse(0);
        List<Losses> losses = new ArrayList<>();
        List<double[]> weights = new ArrayList<>();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int from = 0; from < longest; from += perPartition) {
                List<Example> batch = new ArrayList<>();
                for (List<Example> partition : partitions) {
                    batch.addAll(partition.subList(Math.min(from, partition.size()),
                            Math.min(from + perPartition, partition.size())));
                }
                losses.add(trainer.fit(new INDArray[] {stack(batch, true, 0, type)},
                        new INDArray[] {stack(batch, false, 0, type), stack(batch, false, 1, type)}));
                weights.add(trainer.weights());
            }
            trainer.endEpoch();
        }
        return new Run(trainer, losses, weights);
    }

    /** One input ({@code input} true) or target column of {@code rows} as a matrix. */
    static INDArray stack(List<Example> rows, boolean input, int index, DataType type) {
        float[][] values = new float[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            values[r] = input ? rows.get(r).inputs()[index] : rows.get(r).targets()[index];
        }
        return Nd4j.createFromArray(values).castTo(type);
    }

    /** A finished one-process run. */
    record Run(Trainer trainer, List<Losses> losses, List<double[]> weights) {
    }

    /** The same parameter names, and every value within {@code tolerance}. */
    static void assertSameParameters(java.util.Map<String, INDArray> expected, java.util.Map<String, INDArray> actual,
                                     double tolerance) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(name).reshape(-1).toDoubleVector(),
                    actual.get(name).reshape(-1).toDoubleVector(), tolerance, name);
        }
    }
}

package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every built-in metric against values worked out by hand. */
class MetricsTest {
    private static INDArray matrix(double[][] values) {
        return Nd4j.createFromArray(values);
    }

    @Test
    void binaryAccuracyThresholdsEachElementAtOneHalf() {
        // 0.2 -> 0 vs 0 right; 0.7 -> 1 vs 1 right; 0.5 -> 0 (not above 0.5) vs 1 wrong; 0.9 -> 1 vs 0 wrong.
        Tally tally = Metrics.binaryAccuracy().measure(matrix(new double[][] {{0.2, 0.7}, {0.5, 0.9}}),
                matrix(new double[][] {{0, 1}, {1, 0}}));
        assertEquals(new Tally(2, 4), tally);
        assertEquals(0.5, Metrics.binaryAccuracy().value(tally));
    }

    @Test
    void categoricalAccuracyComparesArgMaxes() {
        INDArray p = matrix(new double[][] {{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}, {0.2, 0.2, 0.6}});
        INDArray t = matrix(new double[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 1}});
        assertEquals(new Tally(2, 3), Metrics.categoricalAccuracy().measure(p, t));
    }

    @Test
    void categoricalAccuracyCountsEveryPositionOfAMap() {
        // [batch 1, 2 positions, 2 classes]: position 0 right, position 1 wrong.
        INDArray p = Nd4j.createFromArray(new double[] {0.9, 0.1, 0.8, 0.2}).reshape(1, 2, 2);
        INDArray t = Nd4j.createFromArray(new double[] {1, 0, 0, 1}).reshape(1, 2, 2);
        assertEquals(new Tally(1, 2), Metrics.categoricalAccuracy().measure(p, t));
    }

    @Test
    void sparseAccuracyComparesArgMaxWithTheIndex() {
        INDArray p = matrix(new double[][] {{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}, {0.2, 0.2, 0.6}});
        assertEquals(new Tally(2, 3), Metrics.sparseCategoricalAccuracy().measure(p,
                Nd4j.createFromArray(new double[] {1, 0, 0})));
        // Indices as [batch, 1] too.
        assertEquals(new Tally(3, 3), Metrics.sparseCategoricalAccuracy().measure(p,
                Nd4j.createFromArray(new double[][] {{1}, {0}, {2}})));
    }

    @Test
    void maeAndRmseOverEveryElement() {
        INDArray p = matrix(new double[][] {{1, 2, 3}});
        INDArray t = matrix(new double[][] {{2, 2, 5}});
        assertEquals(1.0, Metrics.meanAbsoluteError().value(Metrics.meanAbsoluteError().measure(p, t)), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3), Metrics.rootMeanSquaredError().value(
                Metrics.rootMeanSquaredError().measure(p, t)), 1e-12);
    }

    @Test
    void rmseOfAnEpochIsTheRootOfAllSquaredErrorsNotTheMeanOfBatchRoots() {
        Metric rmse = Metrics.rootMeanSquaredError();
        Tally first = rmse.measure(matrix(new double[][] {{0}}), matrix(new double[][] {{3}}));
        Tally second = rmse.measure(matrix(new double[][] {{0}, {0}, {0}}), matrix(new double[][] {{1}, {1}, {1}}));
        // (9 + 1 + 1 + 1) / 4 = 3 -> sqrt(3); the mean of the batch roots would be (3 + 1) / 2 = 2.
        assertEquals(Math.sqrt(3), rmse.value(first.plus(second)), 1e-12);
    }

    @Test
    void bceClipsLikeTheLoss() {
        INDArray p = matrix(new double[][] {{0.9, 0.2}, {1.0, 0.0}});
        INDArray t = matrix(new double[][] {{1, 0}, {1, 0}});
        double clipped = -Math.log(1 - 1e-7);
        double expected = (-Math.log(0.9) - Math.log(0.8) + 2 * clipped) / 4;
        assertEquals(expected, Metrics.binaryCrossentropy().value(Metrics.binaryCrossentropy().measure(p, t)),
                1e-9);
    }

    @Test
    void defaultsFollowTheLoss() {
        assertEquals(List.of("accuracy", "bce"), Metrics.defaultNames(
                new BranchSpec("m", new long[] {3, 3, 1}, Loss.BINARY_CROSSENTROPY, 1)));
        assertEquals(List.of("accuracy"), Metrics.defaultNames(
                new BranchSpec("c", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1)));
        assertEquals(List.of("accuracy"), Metrics.defaultNames(
                new BranchSpec("c", new long[] {4}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1)));
        assertEquals(List.of("mae", "rmse"), Metrics.defaultNames(
                new BranchSpec("r", new long[] {2}, Loss.HUBER, 1)));
        assertEquals(List.of(), Metrics.defaultNames(new BranchSpec("x", new long[] {2}, Loss.CUSTOM, 1)));
    }

    @Test
    void userMetricsAreWeightedByBatchSize() {
        Metric max = Metric.of("max_output", (p, t) -> p.maxNumber().doubleValue());
        Tally a = max.measure(matrix(new double[][] {{1}, {2}}), matrix(new double[][] {{0}, {0}}));
        Tally b = max.measure(matrix(new double[][] {{5}}), matrix(new double[][] {{0}}));
        assertEquals((2 * 2 + 5) / 3.0, max.value(a.plus(b)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Metric.of("bad name", (p, t) -> 0.0));
    }
}

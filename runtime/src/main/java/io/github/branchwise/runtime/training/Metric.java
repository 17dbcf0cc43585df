package io.github.branchwise.runtime.training;

import java.util.Objects;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A quality measure of one branch, computed in Java from the branch's outputs and targets of each batch and added
 * up over an epoch. The built-in ones are in {@link Metrics}; a metric of one's own implements
 * {@link #measure} (and {@link #value} when the epoch value is not the plain mean of the tally), or comes from
 * {@link #of(String, BiFunction)}.
 *
 * <p>History columns are named {@code <branch>_<name>} (training) and {@code val_<branch>_<name>} (validation).
 *
 * <p>Distributed training (branchwise-spark) measures metrics where the outputs are, on the executors, so a metric
 * used there must be {@link java.io.Serializable}: the built-in ones are; a class of one's own implements it too.
 */
public interface Metric {
    /** The name, a short lower-case identifier such as {@code accuracy} or {@code mae}. */
    String name();

    /**
     * Measures one batch.
     *
     * @param prediction the branch's output, {@code [batch, shape...]}
     * @param target     the branch's target as given to training, {@code [batch, target shape...]}
     * @return the sum and count of what was measured
     */
    Tally measure(INDArray prediction, INDArray target);

    /** The metric's value for a tally of one or more batches; the mean by default. */
    default double value(Tally tally) {
        return tally.mean();
    }

    /**
     * A metric from a function that returns the mean over one batch; batches are weighted by their number of
     * examples.
     */
    static Metric of(String name, BiFunction<INDArray, INDArray, Double> batchMean) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(batchMean, "batchMean");
        Metrics.checkName(name);
        return new Metrics.FunctionMetric(name, batchMean);
    }
}

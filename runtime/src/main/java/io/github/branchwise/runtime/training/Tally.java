package io.github.branchwise.runtime.training;

/**
 * What a {@link Metric} measured on some examples: a sum and the count it is a sum over, so that batches add up to
 * the exact epoch value (the accuracy of an epoch is all its correct predictions over all its predictions, not the
 * mean of the batch accuracies).
 *
 * <p>Serializable: distributed training sums the tallies of its shards (branchwise-spark).
 *
 * @param sum   the sum of the measured quantity (correct predictions, absolute errors, squared errors, ...)
 * @param count how many things were measured
 */
public record Tally(double sum, double count) implements java.io.Serializable {
    /** Nothing measured yet. */
    public static final Tally EMPTY = new Tally(0, 0);

    /** This tally and {@code other} together. */
    public Tally plus(Tally other) {
        return new Tally(sum + other.sum, count + other.count);
    }

    /** The mean, {@code sum / count}; NaN when nothing was measured. */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }
}

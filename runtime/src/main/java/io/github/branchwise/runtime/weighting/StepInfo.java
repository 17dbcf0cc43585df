package io.github.branchwise.runtime.weighting;

/**
 * Where training stands when a weighter is consulted.
 *
 * @param iteration the number of optimisation steps taken so far (the current step's index)
 * @param epoch     the number of epochs completed so far (the current epoch's index)
 * @param seed      the model's seed, from which random strategies derive their streams
 * @param batchSize the number of examples in the current step's batch; 0 where unknown
 */
public record StepInfo(long iteration, long epoch, long seed, long batchSize) {
    /** Checks the batch size. */
    public StepInfo {
        if (batchSize < 0) {
            throw new IllegalArgumentException("the batch size must not be negative, got " + batchSize);
        }
    }

    /** Where training stands, the batch size unknown (0). */
    public StepInfo(long iteration, long epoch, long seed) {
        this(iteration, epoch, seed, 0);
    }
}

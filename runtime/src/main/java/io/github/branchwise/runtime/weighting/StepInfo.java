package io.github.branchwise.runtime.weighting;

/**
 * Where training stands when a weighter is consulted.
 *
 * @param iteration the number of optimisation steps taken so far (the current step's index)
 * @param epoch     the number of epochs completed so far (the current epoch's index)
 * @param seed      the model's seed, from which random strategies derive their streams
 */
public record StepInfo(long iteration, long epoch, long seed) {
}

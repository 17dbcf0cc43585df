package io.github.branchwise.runtime.weighting;

/**
 * A user-defined schedule of branch weights for {@code Weighting.SCHEDULED}: implement it in a class with a public
 * no-argument constructor and name the class in {@code @WeightedLoss(schedule = ...)}.
 *
 * <p>It must be a pure function of its arguments, so that a resumed run sees the same weights.
 */
public interface WeightSchedule {
    /**
     * The weights for one step.
     *
     * @param step     the optimisation step, from 0
     * @param epoch    the epoch, from 0
     * @param branches the number of branches
     * @return one finite, non-negative weight per branch, in declaration order
     */
    double[] weights(long step, long epoch, int branches);
}

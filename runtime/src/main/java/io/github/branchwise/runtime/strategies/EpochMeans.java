package io.github.branchwise.runtime.strategies;

import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.runtime.weighting.StepInfo;

/** The weight of one step in an epoch's mean loss, as {@link EpochMean} says. */
final class EpochMeans {
    private EpochMeans() {
    }

    /**
     * 1 for {@link EpochMean#PER_BATCH}; the step's batch size for {@link EpochMean#PER_EXAMPLE}.
     *
     * @throws IllegalStateException when the step does not know its batch size
     */
    static double weight(EpochMean mean, StepInfo step) {
        if (mean == EpochMean.PER_BATCH) {
            return 1;
        }
        if (step.batchSize() <= 0) {
            throw new IllegalStateException("an epoch mean PER_EXAMPLE needs each step's batch size; step "
                    + step.iteration() + " has none");
        }
        return step.batchSize();
    }
}

package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.Losses;
import java.util.Objects;

/**
 * Training steps computed somewhere other than in a {@link DataSource}'s batches on this machine (branchwise-spark:
 * shards on a cluster, summed and applied by the driver's trainer), for {@link Fitting#fit(StepSource, FitConfig)},
 * which keeps the rest of a run as on one machine: history, progress, listeners, early stopping, checkpoints and
 * resuming from them.
 *
 * <p>For a resumed run to continue exactly as the interrupted one, step {@code i} of epoch {@code e} must train on the
 * same batch whenever it is asked for (a {@link DataSource}'s rule, by index here).
 */
public interface StepSource {
    /** The number of steps of epoch {@code epoch}, at least 1. */
    long stepsInEpoch(long epoch);

    /**
     * Trains step {@code index} of epoch {@code epoch} on the fitting's trainer: exactly one step, which moves its step
     * counter by one.
     *
     * @return the global batch's losses (batch means) and size
     * @throws io.github.branchwise.runtime.TrainingDivergedException when a loss or gradient was not finite; nothing
     *                                                                 was applied
     */
    Outcome step(long epoch, long index);

    /** Whether {@link #validate} computes validation losses; false by default. */
    default boolean validates() {
        return false;
    }

    /**
     * The validation losses of the fitting's trainer as it stands, at the end of epoch {@code epoch} (before the epoch
     * counter moves on): each branch's mean over every validation example, and the total's.
     *
     * @throws UnsupportedOperationException unless {@link #validates()}
     */
    default Outcome validate(long epoch) {
        throw new UnsupportedOperationException(getClass().getName() + " does not validate");
    }

    /**
     * Losses over a number of examples.
     *
     * @param losses   the means over the examples
     * @param examples how many, positive for a step
     */
    record Outcome(Losses losses, long examples) {
        /** Checks the losses are given and the count is not negative. */
        public Outcome {
            Objects.requireNonNull(losses, "losses");
            if (examples < 0) {
                throw new IllegalArgumentException("examples must not be negative, got " + examples);
            }
        }
    }
}

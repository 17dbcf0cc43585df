package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.Losses;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     * counter by one (or, where {@link #trainsRounds()}, one round, which moves it on by one or more).
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
     * Whether a call of {@link #step} may train several steps of the trainer (a round of local SGD: each replica takes
     * several steps, then they are averaged); false by default, when each call trains exactly one. The history then
     * has one row per call, and step-interval checkpoints are written when the step counter passes a multiple of the
     * interval.
     */
    default boolean trainsRounds() {
        return false;
    }

    /**
     * Whether {@link #step(long, long, Map)} and {@link #validate(long, Map)} measure the metrics they are given; false
     * by default, and then {@link Fitting#fit(StepSource, FitConfig)} refuses a configuration with metrics.
     */
    default boolean measures() {
        return false;
    }

    /**
     * {@link #step(long, long)}, with each branch's {@code metrics} measured on the outputs of the step's training
     * pass over the global batch, in {@link Outcome#tallies()} by history column ({@code <branch>_<metric>}). Called
     * only when {@link #measures()}; by default the step without metrics.
     */
    default Outcome step(long epoch, long index, Map<String, List<Metric>> metrics) {
        return step(epoch, index);
    }

    /**
     * {@link #validate(long)}, with each branch's {@code metrics} measured over every validation example, in
     * {@link Outcome#tallies()}. Called only when {@link #measures()}; by default the validation without metrics.
     */
    default Outcome validate(long epoch, Map<String, List<Metric>> metrics) {
        return validate(epoch);
    }

    /**
     * Losses over a number of examples, and what the metrics measured on them.
     *
     * @param losses   the means over the examples
     * @param examples how many, positive for a step
     * @param tallies  each metric's tally over the examples, by history column ({@code <branch>_<metric>}); empty
     *                 without metrics; read-only
     */
    record Outcome(Losses losses, long examples, Map<String, Tally> tallies) {
        /** Checks the losses and tallies are given and the count is not negative. */
        public Outcome {
            Objects.requireNonNull(losses, "losses");
            if (examples < 0) {
                throw new IllegalArgumentException("examples must not be negative, got " + examples);
            }
            tallies = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tallies, "tallies")));
        }

        /** Losses over a number of examples, without metrics. */
        public Outcome(Losses losses, long examples) {
            this(losses, examples, Map.of());
        }
    }
}

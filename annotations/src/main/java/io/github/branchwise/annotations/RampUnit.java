package io.github.branchwise.annotations;

/** What the {@code t} of a {@link Weighting#SCHEDULED} ramp counts. */
public enum RampUnit {
    /** Optimisation steps (batches), counted from 0. */
    STEP,
    /** Epochs, counted from 0. */
    EPOCH
}
